package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
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
		name          string
		state, config types.String
		want          types.String
	}{
		{"same milliseconds keep the state's spelling", s("5s"), s("5000ms"), s("5s")},
		{"a real change is planned", s("5s"), s("6s"), s("6s")},
		{"not managed stays null", s("5s"), null, null},
		{"a new value is planned as configured", null, s("5s"), s("5s")},
		{"an unparsable state is not kept", s("fast"), s("5s"), s("5s")},
	}
	keepState := func(req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
		resp.PlanValue = req.StateValue
	}
	for _, tt := range tests {
		req := planmodifier.StringRequest{
			Path:        path.Root("timeout_connect"),
			StateValue:  tt.state,
			ConfigValue: tt.config,
			PlanValue:   tt.config,
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
