package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestServiceSchemaValid(t *testing.T) {
	resp := &resource.SchemaResponse{}
	NewServiceResource().Schema(context.Background(), resource.SchemaRequest{}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
}

func TestServiceValidators(t *testing.T) {
	tests := []struct {
		check stringCheck
		value string
		ok    bool
	}{
		{cpuQuotaValidator(), "150%", true},
		{cpuQuotaValidator(), "5%", true},
		{cpuQuotaValidator(), "fast", false},
		{cpuQuotaValidator(), "150", false},
		{cpuQuotaValidator(), "0%", false},
		{cpuQuotaValidator(), "1.5%", false},
		{memoryMaxValidator(), "512M", true},
		{memoryMaxValidator(), "1073741824", true},
		{memoryMaxValidator(), "infinity", true},
		{memoryMaxValidator(), "512MB", false},
		{memoryMaxValidator(), "lots", false},
	}
	for _, tt := range tests {
		if err := tt.check.check(tt.value); (err == nil) != tt.ok {
			t.Errorf("%s: check(%q) = %v, want ok=%v", tt.check.description, tt.value, err, tt.ok)
		}
	}
}

func TestCheckExecStart(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"/usr/bin/python3", "-m", "http.server"}, true},
		{[]string{"python3"}, true},
		{[]string{"/bin/sh", "-c", `echo "$1" ; exit`, "sh", "a b"}, true}, // ";" inside an argument is fine
		{nil, false},
		{[]string{""}, false},
		{[]string{"-/bin/true"}, false}, // systemd's "ignore failure" prefix
		{[]string{"@/bin/true", "x"}, false},
		{[]string{"/bin/true", ";", "/bin/false"}, false},
	}
	for _, tt := range tests {
		if err := checkExecStart(tt.args); (err == nil) != tt.ok {
			t.Errorf("checkExecStart(%q) = %v, want ok=%v", tt.args, err, tt.ok)
		}
	}
}

// What the agent reports maps to the state and back unchanged, except
// readiness_port, which lives only in Terraform.
func TestServiceMappingRoundTrip(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	tests := []api.Service{
		{Name: "min", ExecStart: []string{"/bin/true"}, Sandbox: true, Restart: "on-failure", Enabled: true, Running: true},
		{
			Name: "all", Description: "d", ExecStart: []string{"/bin/sh", "-c", "x"}, WorkingDirectory: "/srv",
			Environment: map[string]string{"A": "1"}, User: "www-data", Namespace: "ns", PrivateNetwork: true,
			ReadWritePaths: []string{"/srv"}, StateDirectory: "s", CPUQuota: "150%", CPUWeight: n(2), MemoryMax: "1G",
			IOWeight: n(3), TasksMax: n(4), Restart: "always",
		},
	}
	for _, want := range tests {
		m := serviceFromAPI(want, types.Int64Value(8000))
		if m.ReadinessPort.ValueInt64() != 8000 {
			t.Errorf("%s: readiness_port not carried over: %v", want.Name, m.ReadinessPort)
		}
		got := serviceToAPI(m)
		got.ReadinessPort = nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: serviceToAPI(serviceFromAPI()) (-want +got):\n%s", want.Name, diff)
		}
	}
}
