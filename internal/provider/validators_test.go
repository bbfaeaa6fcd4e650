package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// checkTest is one input of a check function; wantErr is a substring of the
// error, "" for a valid input.
type checkTest struct {
	in      string
	wantErr string
}

func runChecks(t *testing.T, check func(string) error, tests []checkTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := check(tt.in)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("check(%q) = %v, want no error", tt.in, err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("check(%q) = nil, want an error containing %q", tt.in, tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("check(%q) = %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestCheckAddress(t *testing.T) {
	runChecks(t, checkAddress, []checkTest{
		{"127.0.0.1", ""},
		{"10.0.0.255", ""},
		{"::1", ""},
		{"2001:db8::10", ""},
		{"fe80::1%eth0", ""},
		{"localhost", ""},
		{"app.internal.example.com", ""},
		{"app.example.com.", ""},
		{"my_service", ""},
		{"no-such-host.invalid", ""},
		{"", "must not be empty"},
		{"10.0.0.1 ", "whitespace"},
		{"app host", "whitespace"},
		{"[::1]", "without brackets"},
		{"[::1]:8080", "includes a port"},
		{"10.0.0.1:8080", "includes a port"},
		{"app:8080", "includes a port"},
		{"2001:db8::zz", "not a valid IPv6 address"},
		{"999.1.1.1", "not a valid IPv4 address"},
		{"10.0.0", "not a valid IPv4 address"},
		{"-app", "may not start or end with '-'"},
		{"app..example", "1 to 63 characters"},
		{strings.Repeat("a", 64) + ".example", "1 to 63 characters"},
		{strings.Repeat("a.", 127) + "ab", "longer than the 253"},
		{"ipv4@10.0.0.1", `'@'`},
		{"app/x", `'/'`},
	})
}

func TestDurationValidator(t *testing.T) {
	runChecks(t, durationValidator().check, []checkTest{
		{"30s", ""},
		{"1m30s", ""},
		{"500ms", ""},
		{"30", `not a duration such as "30s"`},
		{"soon", "not a duration"},
		{"0s", "must be positive"},
		{"-5s", "must be positive"},
	})
}

func TestAbsolutePathValidator(t *testing.T) {
	runChecks(t, absolutePathValidator().check, []checkTest{
		{"/etc/haproxy/haproxy.cfg", ""},
		{"etc/haproxy.cfg", "absolute path"},
		{"~/haproxy.cfg", "absolute path"},
	})
}

func TestUnitNameValidator(t *testing.T) {
	runChecks(t, unitNameValidator().check, []checkTest{
		{"haproxy", ""},
		{"haproxy.service", ""},
		{"haproxy@edge.service", ""},
		{"", "must not be empty"},
		{"ha proxy", "a space"},
		{"../x", `'/'`},
	})
}

// Fixed sets and ranges come from terraform-plugin-framework-validators;
// what is checked here is that each attribute is wired to the set its
// description shows, so the two cannot disagree.
func TestOneOfAndRangeAttributes(t *testing.T) {
	attrs := backendSchema().Attributes
	mode := attrs["mode"].(schema.StringAttribute)
	for _, m := range backendModes {
		if !strings.Contains(mode.MarkdownDescription, "`"+m+"`") {
			t.Errorf("mode's description does not show %q: %s", m, mode.MarkdownDescription)
		}
	}
	for in, ok := range map[string]bool{"http": true, "tcp": true, "HTTP": false, "health": false} {
		var resp validator.StringResponse
		for _, v := range mode.Validators {
			v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("mode"), ConfigValue: types.StringValue(in)}, &resp)
		}
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("mode %q: errors %v, want ok=%v", in, resp.Diagnostics, ok)
		}
	}
	port := attrs["servers"].(schema.ListNestedAttribute).NestedObject.Attributes["port"].(schema.Int64Attribute)
	for in, ok := range map[int64]bool{1: true, 65535: true, 0: false, 65536: false} {
		var resp validator.Int64Response
		for _, v := range port.Validators {
			v.ValidateInt64(context.Background(), validator.Int64Request{Path: path.Root("port"), ConfigValue: types.Int64Value(in)}, &resp)
		}
		if resp.Diagnostics.HasError() == ok {
			t.Errorf("port %d: errors %v, want ok=%v", in, resp.Diagnostics, ok)
		}
	}
}

func TestQuotedList(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "`a`"},
		{[]string{"a", "b"}, "`a` or `b`"},
		{[]string{"a", "b", "c"}, "`a`, `b` or `c`"},
	}
	for _, tt := range tests {
		if got := quotedList(tt.in); got != tt.want {
			t.Errorf("quotedList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The framework adapters: null and unknown values pass, errors land on the
// attribute's path.
func TestStringCheckAdapter(t *testing.T) {
	p := path.Root("name")
	tests := []struct {
		name  string
		value types.String
		want  []string // error details
	}{
		{"null", types.StringNull(), nil},
		{"unknown", types.StringUnknown(), nil},
		{"valid", types.StringValue("web"), nil},
		{"invalid", types.StringValue("my web"), []string{`"my web" contains a space, which HAProxy does not allow in names: use only letters, digits, '-', '_', '.' and ':'`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp validator.StringResponse
			haproxyNameValidator().ValidateString(context.Background(), validator.StringRequest{Path: p, ConfigValue: tt.value}, &resp)
			var got []string
			for _, d := range resp.Diagnostics {
				got = append(got, d.Detail())
				if wd, ok := d.(interface{ Path() path.Path }); !ok || !wd.Path().Equal(p) {
					t.Errorf("diagnostic %q is not on path %s", d.Summary(), p)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUniqueServerNames(t *testing.T) {
	objType := types.ObjectType{AttrTypes: serverAttrTypes}
	server := func(name types.String) attr.Value {
		attrs := map[string]attr.Value{}
		for k, typ := range serverAttrTypes {
			attrs[k] = nullOf(typ)
		}
		attrs["name"] = name
		return types.ObjectValueMust(serverAttrTypes, attrs)
	}
	list := func(names ...types.String) types.List {
		var els []attr.Value
		for _, n := range names {
			els = append(els, server(n))
		}
		return types.ListValueMust(objType, els)
	}
	s := types.StringValue
	tests := []struct {
		name  string
		value types.List
		want  []string // paths of errors
	}{
		{"null", types.ListNull(objType), nil},
		{"unknown", types.ListUnknown(objType), nil},
		{"empty", list(), nil},
		{"distinct", list(s("a"), s("b"), s("c")), nil},
		{"unknown names are skipped", list(types.StringUnknown(), types.StringUnknown()), nil},
		{"duplicate", list(s("a"), s("b"), s("a")), []string{"servers[2].name"}},
		{"three of a kind", list(s("a"), s("a"), s("a")), []string{"servers[1].name", "servers[2].name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp validator.ListResponse
			uniqueServerNames{}.ValidateList(context.Background(), validator.ListRequest{Path: path.Root("servers"), ConfigValue: tt.value}, &resp)
			var got []string
			for _, d := range resp.Diagnostics {
				got = append(got, d.(interface{ Path() path.Path }).Path().String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error paths (-want +got):\n%s", diff)
			}
		})
	}
}

// nullOf returns the null value of a primitive attribute type.
func nullOf(typ attr.Type) attr.Value {
	switch typ {
	case types.StringType:
		return types.StringNull()
	case types.Int64Type:
		return types.Int64Null()
	case types.BoolType:
		return types.BoolNull()
	}
	panic("nullOf: unexpected type " + typ.String())
}
