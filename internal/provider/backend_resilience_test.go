package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// resilientModel is webModel with every resilience setting managed.
func resilientModel() backendModel {
	m := webModel()
	m.BackendResilience = BackendResilience{
		Retries:        types.Int64Value(3),
		RetryOn:        []types.String{types.StringValue("500"), types.StringValue("conn-failure")},
		Redispatch:     types.BoolValue(false),
		TimeoutServer:  types.StringValue("30s"),
		TimeoutConnect: types.StringValue("500ms"),
		TimeoutQueue:   types.StringValue("2s"),
	}
	m.Servers[0].Check = types.BoolValue(true)
	m.Servers[0].ServerResilience = ServerResilience{
		Observe: types.StringValue("layer7"), ErrorLimit: types.Int64Value(3), OnError: types.StringValue("mark-down"),
		Rise: types.Int64Value(5), Fall: types.Int64Value(2),
	}
	return m
}

// Every resilience setting survives the trip to the agent and back.
func TestBackendResilienceRoundTrip(t *testing.T) {
	m := resilientModel()
	b := backendToAPI(m)
	if got := b.Servers[0]; got.Observe != "layer7" || got.ErrorLimit == nil || *got.ErrorLimit != 3 || got.OnError != "mark-down" {
		t.Fatalf("server 0 on the wire: %+v", got)
	}
	if b.TimeoutConnect == nil || *b.TimeoutConnect != 500 || b.Redispatch == nil || *b.Redispatch {
		t.Fatalf("backend on the wire: %+v", b)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var wire api.Backend
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, backendFromAPI(wire)); diff != "" {
		t.Errorf("model changed on the way (-sent +read back):\n%s", diff)
	}
}

// A setting the prior state does not manage reads as null whatever the
// machine has; a managed timeout keeps its spelling; a changed one shows.
func TestManagedResilience(t *testing.T) {
	live := backendFromAPI(backendToAPI(resilientModel()))
	live.TimeoutServer = types.StringValue("30s")

	prior := resilientModel()
	prior.TimeoutServer = types.StringValue("30000ms")
	prior.Retries = types.Int64Null()
	prior.RetryOn = nil
	prior.Servers[0].Observe = types.StringNull()
	prior.Servers[0].Fall = types.Int64Null()
	got := managedBackend(&prior, live)

	if !got.Retries.IsNull() || got.RetryOn != nil || !got.Servers[0].Observe.IsNull() || !got.Servers[0].Fall.IsNull() {
		t.Errorf("unmanaged settings not null: %+v %+v", got.BackendResilience, got.Servers[0].ServerResilience)
	}
	if got.TimeoutServer.ValueString() != "30000ms" {
		t.Errorf("timeout_server = %s, want the prior's spelling 30000ms", got.TimeoutServer)
	}
	if got.Servers[0].ErrorLimit.ValueInt64() != 3 || got.TimeoutQueue.ValueString() != "2s" {
		t.Errorf("managed settings lost: %+v %+v", got.BackendResilience, got.Servers[0].ServerResilience)
	}

	live.Servers[0].ErrorLimit = types.Int64Value(7) // a hand edit
	if got := managedBackend(&prior, live); got.Servers[0].ErrorLimit.ValueInt64() != 7 {
		t.Errorf("hand-edited error_limit reads %s, want 7", got.Servers[0].ErrorLimit)
	}
	// A server that is new in the machine's list manages nothing yet.
	prior.Servers = prior.Servers[1:]
	if got := managedBackend(&prior, live); !got.Servers[0].Observe.IsNull() || !got.Servers[0].Rise.IsNull() {
		t.Errorf("new server's settings not null: %+v", got.Servers[0].ServerResilience)
	}
}

// None of the new settings can change at runtime: each is a reload reason,
// named, and a server keyword is not mistaken for a weight change.
func TestResilienceReloadReasons(t *testing.T) {
	w := func(v int64) *int64 { return &v }
	for name, tc := range map[string]struct {
		change func(*api.Backend)
		want   []string
	}{
		"retries":         {func(b *api.Backend) { b.Retries = w(2) }, []string{"retries"}},
		"retry_on":        {func(b *api.Backend) { b.RetryOn = &[]string{"503"} }, []string{"retry_on"}},
		"redispatch":      {func(b *api.Backend) { b.Redispatch = new(bool) }, []string{"redispatch"}},
		"timeout_server":  {func(b *api.Backend) { b.TimeoutServer = w(1) }, []string{"timeout_server"}},
		"timeout_connect": {func(b *api.Backend) { b.TimeoutConnect = w(1) }, []string{"timeout_connect"}},
		"timeout_queue":   {func(b *api.Backend) { b.TimeoutQueue = w(1) }, []string{"timeout_queue"}},
		"observe":         {func(b *api.Backend) { b.Servers[0].Observe = "layer4" }, []string{`server "blue"`}},
		"error_limit and a weight": {func(b *api.Backend) {
			b.Servers[0].ErrorLimit, b.Servers[0].Weight = w(5), w(3)
		}, []string{`server "blue"`}},
		"on_error": {func(b *api.Backend) { b.Servers[0].OnError = "fastinter" }, []string{`server "blue"`}},
		"rise":     {func(b *api.Backend) { b.Servers[0].Rise = w(1) }, []string{`server "blue"`}},
		"fall":     {func(b *api.Backend) { b.Servers[0].Fall = w(1) }, []string{`server "blue"`}},
		"server added with every keyword": {func(b *api.Backend) {
			b.Servers = append(b.Servers, api.Server{Name: "red", Address: "127.0.0.1", Port: w(8082), Check: true,
				Observe: "layer7", ErrorLimit: w(2), OnError: "mark-down", Rise: w(2), Fall: w(2)})
		}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			base := func() api.Backend {
				return api.Backend{Name: "web", Mode: "http", Balance: "roundrobin", Servers: []api.Server{
					{Name: "blue", Address: "127.0.0.1", Port: w(8080), Weight: w(100)},
				}}
			}
			to := base()
			tc.change(&to)
			if diff := cmp.Diff(tc.want, reloadReasons(base(), to)); diff != "" {
				t.Errorf("reloadReasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackendValidateConfigResilience(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		change  func(*backendModel)
		wantErr string
	}{
		"http with everything": {func(*backendModel) {}, ""},
		"tcp with retries alone": {func(m *backendModel) {
			m.Mode = types.StringValue("tcp")
			m.RetryOn = nil
			m.Servers[0].Observe = types.StringValue("layer4")
		}, ""},
		"retry_on in tcp mode": {func(m *backendModel) {
			m.Mode = types.StringValue("tcp")
			m.Servers[0].Observe = types.StringValue("layer4")
		}, "retry_on is only used by a backend in http mode"},
		"layer7 in tcp mode": {func(m *backendModel) {
			m.Mode = types.StringValue("tcp")
			m.RetryOn = nil
		}, `observe = "layer7" judges HTTP answers`},
		"observe without check": {func(m *backendModel) { m.Servers[0].Check = types.BoolValue(false) }, "observe needs check = true"},
	} {
		t.Run(name, func(t *testing.T) {
			m := resilientModel()
			tc.change(&m)
			st := stateFor(t, m)
			resp := &resource.ValidateConfigResponse{}
			newBackendResource(nil).ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config(st)}, resp)
			var got []string
			for _, d := range resp.Diagnostics.Errors() {
				got = append(got, d.Detail())
			}
			switch {
			case tc.wantErr == "" && len(got) > 0:
				t.Errorf("unexpected errors: %v", got)
			case tc.wantErr != "" && (len(got) != 1 || !strings.Contains(got[0], tc.wantErr)):
				t.Errorf("errors %q, want one containing %q", got, tc.wantErr)
			}
		})
	}
}

func TestRetryOnValidator(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		words   []string
		wantErr string
	}{
		"keywords and statuses": {[]string{"conn-failure", "500", "503", "all-retryable-errors"}, ""},
		"none alone":            {[]string{"none"}, ""},
		"empty":                 {[]string{}, "at least one condition"},
		"unknown status":        {[]string{"418"}, `"418" is not a retry-on keyword`},
		"typo":                  {[]string{"conn-failures"}, `"conn-failures" is not a retry-on keyword`},
		"twice":                 {[]string{"500", "500"}, `"500" is listed twice`},
		"none with others":      {[]string{"none", "500"}, `"none" cannot be combined`},
	} {
		t.Run(name, func(t *testing.T) {
			list, d := types.ListValueFrom(ctx, types.StringType, tc.words)
			if d.HasError() {
				t.Fatal(d)
			}
			resp := &validator.ListResponse{}
			retryOnValidator{}.ValidateList(ctx, validator.ListRequest{Path: path.Root("retry_on"), ConfigValue: list}, resp)
			var got string
			for _, e := range resp.Diagnostics.Errors() {
				got += e.Detail()
			}
			switch {
			case tc.wantErr == "" && got != "":
				t.Errorf("unexpected error: %s", got)
			case tc.wantErr != "" && !strings.Contains(got, tc.wantErr):
				t.Errorf("error %q, want one containing %q", got, tc.wantErr)
			}
		})
	}
}
