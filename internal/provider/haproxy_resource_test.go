package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestTimeoutMillis(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "5s", want: 5000},
		{in: "5000ms", want: 5000},
		{in: "1m30s", want: 90000},
		{in: "1h", want: 3600000},
		{in: "fast", wantErr: true},
		{in: "5", wantErr: true},
		{in: "0s", wantErr: true},
		{in: "-5s", wantErr: true},
		{in: "1500us", wantErr: true},
	}
	for _, tt := range tests {
		got, err := timeoutMillis(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("timeoutMillis(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestTimeoutValue(t *testing.T) {
	ms := func(v int64) *int64 { return &v }
	tests := []struct {
		name  string
		prior types.String
		live  *int64
		want  types.String
	}{
		{"not set", types.StringValue("5s"), nil, types.StringNull()},
		{"same spelling kept", types.StringValue("5000ms"), ms(5000), types.StringValue("5000ms")},
		{"drift shown in seconds", types.StringValue("5s"), ms(7000), types.StringValue("7s")},
		{"odd milliseconds", types.StringNull(), ms(1500), types.StringValue("1500ms")},
		{"unknown prior", types.StringUnknown(), ms(30000), types.StringValue("30s")},
	}
	for _, tt := range tests {
		if got := timeoutValue(tt.prior, tt.live); !got.Equal(tt.want) {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// Only what the configuration sets is sent; nulls mean "leave alone".
func TestHAProxyToAPI(t *testing.T) {
	m := instanceModel{
		Maxconn:        types.Int64Value(4000),
		Nbthread:       types.Int64Null(),
		LogTargets:     types.ListNull(types.ObjectType{AttrTypes: logTargetAttrTypes}),
		RunAsRoot:      types.BoolValue(true),
		Mode:           types.StringNull(),
		TimeoutConnect: types.StringValue("5s"),
		TimeoutClient:  types.StringNull(),
		TimeoutServer:  types.StringValue("1m"),
		Httplog:        types.BoolNull(),
		Forwardfor:     types.BoolValue(false),
		Enabled:        types.BoolValue(true),
		Running:        types.BoolValue(true),
	}
	got, diags := haproxyToAPI(context.Background(), m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	tr, fa := true, false
	five, sixty, maxconn := int64(5000), int64(60000), int64(4000)
	want := api.Instance{
		Maxconn: &maxconn, RunAsRoot: &tr, TimeoutConnect: &five, TimeoutServer: &sixty,
		Forwardfor: &fa, Enabled: &tr, Running: &tr,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("haproxyToAPI (-want +got):\n%s", diff)
	}
}

// stringModifierFunc runs a plan modifier's logic as a function, so a test
// can compare it with the trivial modifiers it must not behave like.
type stringModifierFunc func(planmodifier.StringRequest, *planmodifier.StringResponse)

func modify(m stringModifierFunc, req planmodifier.StringRequest) types.String {
	resp := &planmodifier.StringResponse{PlanValue: req.PlanValue}
	m(req, resp)
	return resp.PlanValue
}

// checkBites fails a table case that a trivial modifier would pass too:
// one that does nothing, or one that always makes its change.
func checkBites(t *testing.T, name string, want types.String, req planmodifier.StringRequest, always stringModifierFunc) {
	t.Helper()
	noop := func(planmodifier.StringRequest, *planmodifier.StringResponse) {}
	if want.Equal(modify(noop, req)) && want.Equal(modify(always, req)) {
		t.Errorf("%s: this case passes without the modifier and with one that always changes the plan: it cannot fail", name)
	}
}

func TestEquivalentTimeout(t *testing.T) {
	s, null := types.StringValue, types.StringNull()
	tests := []struct {
		name                string
		state, config, plan types.String
		want                types.String
	}{
		{"same milliseconds keep the state's spelling", s("5s"), s("5000ms"), s("5000ms"), s("5s")},
		{"a real change is planned", s("5s"), s("6s"), s("6s"), s("6s")},
		{"not managed stays null", s("5s"), null, null, null},
		{"a new value is planned as configured", null, s("5s"), s("5s"), s("5s")},
		{"an unparsable state is not kept", s("fast"), s("5s"), s("5s"), s("5s")},
		{"a default that means the imported value keeps it", s("1800s"), null, s("30m"), s("1800s")},
		{"a default that differs is planned", s("10s"), null, s("30m"), s("30m")},
		{"turned off is planned", s("30m"), s(""), s(""), s("")},
	}
	keepState := func(req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
		resp.PlanValue = req.StateValue
	}
	for _, tt := range tests {
		req := planmodifier.StringRequest{
			Path:        path.Root("timeout_connect"),
			StateValue:  tt.state,
			ConfigValue: tt.config,
			PlanValue:   tt.plan,
		}
		got := modify(func(req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
			equivalentTimeout{}.PlanModifyString(context.Background(), req, resp)
		}, req)
		if !got.Equal(tt.want) {
			t.Errorf("%s: plan %s, want %s", tt.name, got, tt.want)
		}
		checkBites(t, tt.name, tt.want, req, keepState)
	}
}

func TestHAProxySchemaValid(t *testing.T) {
	if diags := haproxySchema().ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
}

func TestMissingRuntimeSocket(t *testing.T) {
	tests := []struct {
		name  string
		state types.String
		want  types.String
	}{
		{"present is kept", types.StringValue("/run/haproxy/admin.sock"), types.StringValue("/run/haproxy/admin.sock")},
		{"removed by hand is planned back", types.StringValue(""), types.StringUnknown()},
		{"no state yet is left alone", types.StringNull(), types.StringNull()},
	}
	unknown := func(_ planmodifier.StringRequest, resp *planmodifier.StringResponse) {
		resp.PlanValue = types.StringUnknown()
	}
	for _, tt := range tests {
		req := planmodifier.StringRequest{Path: path.Root("runtime_socket"), StateValue: tt.state, PlanValue: tt.state}
		got := modify(func(req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
			missingRuntimeSocket{}.PlanModifyString(context.Background(), req, resp)
		}, req)
		if !got.Equal(tt.want) {
			t.Errorf("%s: plan %s, want %s", tt.name, got, tt.want)
		}
		checkBites(t, tt.name, tt.want, req, unknown)
	}
}

// The state file and hard-stop-after are sent as planned: "" turns each off.
func TestHAProxyToAPIStateFile(t *testing.T) {
	s, null := types.StringValue, types.StringNull()
	str := func(v string) *string { return &v }
	ms := func(v int64) *int64 { return &v }
	tests := []struct {
		name           string
		file, hardStop types.String
		wantFile       *string
		wantHardStopMs *int64
	}{
		{"on", s("/var/lib/haproxy/server-state"), s("30m"), str("/var/lib/haproxy/server-state"), ms(1_800_000)},
		{"off", s(""), s(""), str(""), ms(0)},
		{"not managed", null, null, nil, nil},
	}
	for _, tt := range tests {
		m := instanceModel{LogTargets: types.ListNull(types.ObjectType{AttrTypes: logTargetAttrTypes}), StateFile: tt.file, HardStopAfter: tt.hardStop}
		got, diags := haproxyToAPI(context.Background(), m)
		if diags.HasError() {
			t.Fatalf("%s: %v", tt.name, diags)
		}
		if diff := cmp.Diff([]any{tt.wantFile, tt.wantHardStopMs}, []any{got.ServerStateFile, got.HardStopAfter}); diff != "" {
			t.Errorf("%s: server state file, hard stop (-want +got):\n%s", tt.name, diff)
		}
	}
}

// capturedState is a stateSetter that keeps what was set.
type capturedState struct{ m instanceModel }

func (c *capturedState) Set(_ context.Context, val any) diag.Diagnostics {
	c.m = *(val.(*instanceModel))
	return nil
}

// Read back: off is "" (so the defaults plan it back on: drift), and
// hard-stop-after keeps the plan's spelling of the same duration.
func TestSetHAProxyStateStateFile(t *testing.T) {
	str := func(v string) *string { return &v }
	ms := func(v int64) *int64 { return &v }
	tests := []struct {
		name                 string
		prior                string
		got                  api.Instance
		wantFile, wantHardSt string
	}{
		{"on", "30m", api.Instance{ServerStateFile: str("/var/lib/haproxy/server-state"), HardStopAfter: ms(1_800_000)}, "/var/lib/haproxy/server-state", "30m"},
		{"imported", "", api.Instance{ServerStateFile: str("/srv/state"), HardStopAfter: ms(90_000)}, "/srv/state", "90s"},
		{"imported default", "", api.Instance{ServerStateFile: str(defaultServerStateFile), HardStopAfter: ms(1_800_000)}, defaultServerStateFile, defaultHardStopAfter},
		{"imported hours", "", api.Instance{ServerStateFile: str(""), HardStopAfter: ms(7_200_000)}, "", "2h"},
		{"imported milliseconds", "", api.Instance{ServerStateFile: str(""), HardStopAfter: ms(1_500)}, "", "1500ms"},
		{"removed by hand", "30m", api.Instance{ServerStateFile: str("")}, "", ""},
	}
	for _, tt := range tests {
		var c capturedState
		prior := instanceModel{HardStopAfter: types.StringValue(tt.prior)}
		if diags := setHAProxyState(context.Background(), &c, prior, tt.got); diags.HasError() {
			t.Fatalf("%s: %v", tt.name, diags)
		}
		if diff := cmp.Diff([]string{tt.wantFile, tt.wantHardSt}, []string{c.m.StateFile.ValueString(), c.m.HardStopAfter.ValueString()}); diff != "" {
			t.Errorf("%s: server_state_file, hard_stop_after (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestStateFileAndHardStopValidators(t *testing.T) {
	tests := []struct {
		name  string
		check stringCheck
		value string
		ok    bool
	}{
		{"state file default", serverStateFileValidator(), defaultServerStateFile, true},
		{"state file off", serverStateFileValidator(), "", true},
		{"state file relative", serverStateFileValidator(), "server-state", false},
		{"state file with a blank", serverStateFileValidator(), "/var/lib/haproxy/a b", false},
		{"state file with a newline", serverStateFileValidator(), "/x\nuser root", false},
		{"hard stop default", hardStopAfterValidator(), defaultHardStopAfter, true},
		{"hard stop off", hardStopAfterValidator(), "", true},
		{"hard stop not a duration", hardStopAfterValidator(), "soon", false},
		{"hard stop below a millisecond", hardStopAfterValidator(), "10us", false},
	}
	for _, tt := range tests {
		if err := tt.check.check(tt.value); (err == nil) != tt.ok {
			t.Errorf("%s: %q: error %v, want ok=%v", tt.name, tt.value, err, tt.ok)
		}
	}
}
