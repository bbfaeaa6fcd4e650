package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

func TestNamespaceSchemaValid(t *testing.T) {
	resp := &resource.SchemaResponse{}
	NewNamespaceResource().Schema(context.Background(), resource.SchemaRequest{}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
}

func TestUnitWordValidator(t *testing.T) {
	v := unitWordValidator("namespace")
	tests := []struct {
		name string
		ok   bool
	}{
		{"app", true},
		{"acc-ns-123_x.y", true},
		{"A1", true},
		{"", false},
		{"-app", false},    // would read as an option to ip
		{".hidden", false}, // "." and ".." are not names
		{"a b", false},
		{"a/b", false},
		{"a@b", false}, // would split a unit instance name
		{"x\\y", false},
		{string(make([]byte, 65)), false},
		{"a234567890123456789012345678901234567890123456789012345678901234", true}, // 64
	}
	for _, tt := range tests {
		err := v.check(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("check(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestNamespaceAndServiceDescriptions(t *testing.T) {
	for name, a := range namespaceSchema().Attributes {
		checkDescription(t, path.Root(name), a.GetMarkdownDescription(), !a.IsComputed() || a.IsOptional())
	}
	for name, a := range serviceSchema().Attributes {
		checkDescription(t, path.Root(name), a.GetMarkdownDescription(), !a.IsComputed() || a.IsOptional())
	}
}
