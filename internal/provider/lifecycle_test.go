package provider

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// scripted answers each method with a canned result or error, and records
// the params of every call.
type scripted struct {
	answers map[string]answer
	calls   []string
	params  map[string]any
}

type answer struct {
	result any
	err    error
}

func (s *scripted) Call(_ context.Context, method string, params, result any) error {
	s.calls = append(s.calls, method)
	if s.params == nil {
		s.params = map[string]any{}
	}
	s.params[method] = params
	a, ok := s.answers[method]
	if !ok {
		return &api.Error{Code: api.CodeInternal, Message: "unexpected method " + method}
	}
	if a.err != nil {
		return a.err
	}
	if result != nil && a.result != nil {
		b, err := json.Marshal(a.result)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, result)
	}
	return nil
}

func stateOf[M any](t *testing.T, s tfsdk.State) M {
	t.Helper()
	var m M
	if d := s.Get(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	return m
}

func setState[M any](t *testing.T, s *tfsdk.State, m M) {
	t.Helper()
	if d := s.Set(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
}

func TestNamespaceHalfThereLeavesState(t *testing.T) {
	r := NewNamespaceResource().(*namespaceResource)
	prior := tfsdk.State{Schema: namespaceSchema()}
	setState(t, &prior, namespaceModel{ID: types.StringValue("app"), Name: types.StringValue("app"), Unit: types.StringValue("u")})
	for name, tc := range map[string]struct {
		got      api.Namespace
		wantGone bool
	}{
		"there and enabled": {api.Namespace{Name: "app", Unit: "u", Exists: true, Enabled: true}, false},
		"deleted by hand":   {api.Namespace{Name: "app", Unit: "u", Exists: false, Enabled: true}, true},
		// Read as boot = false: the plan against boot = true is an update.
		"unit disabled": {api.Namespace{Name: "app", Unit: "u", Exists: true, Enabled: false}, false},
	} {
		t.Run(name, func(t *testing.T) {
			r.machine = &scripted{answers: map[string]answer{api.MethodNamespaceGet: {result: tc.got}}}
			resp := resource.ReadResponse{State: prior}
			r.Read(context.Background(), resource.ReadRequest{State: prior}, &resp)
			checkDiags(t, resp.Diagnostics, "", nil, "")
			if gone := resp.State.Raw.IsNull(); gone != tc.wantGone {
				t.Errorf("removed from state = %v, want %v", gone, tc.wantGone)
			}
			if !tc.wantGone {
				if got := stateOf[namespaceModel](t, resp.State); got.Boot.ValueBool() != tc.got.Enabled {
					t.Errorf("boot = %v, want the unit's enabled state %v", got.Boot, tc.got.Enabled)
				}
			}
		})
	}
}

func TestServiceRejectedCreateIsRecorded(t *testing.T) {
	rejected := &api.Error{Code: api.CodeRejected, Message: "app.service did not start"}
	plan := tfsdk.Plan{Schema: serviceSchema()}
	m := serviceModel{
		Name: types.StringValue("app"), ExecStart: []types.String{types.StringValue("/bin/app")},
		Environment: map[string]types.String{}, ReadWritePaths: []types.String{}, ReadinessPort: types.Int64Value(8000),
		PrivateNetwork: types.BoolValue(false), Sandbox: types.BoolValue(true), Enabled: types.BoolValue(true), Running: types.BoolValue(true),
	}
	if d := plan.Set(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	for name, tc := range map[string]struct {
		err       error
		wantState bool
	}{
		"written but did not start: recorded, so it is tainted": {rejected, true},
		"a foreign unit: nothing of ours to record":             {&api.Error{Code: api.CodeExists, Message: "exists"}, false},
	} {
		t.Run(name, func(t *testing.T) {
			f := &scripted{answers: map[string]answer{
				api.MethodServiceApply: {err: tc.err},
				api.MethodServiceGet:   {result: api.Service{Name: "app", ExecStart: []string{"/bin/app"}, Sandbox: true, Enabled: true}},
			}}
			r := NewServiceResource().(*serviceResource)
			r.machine = f
			resp := resource.CreateResponse{State: tfsdk.State{Schema: serviceSchema()}}
			r.Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
			checkDiags(t, resp.Diagnostics, "Unable to Create Service", []string{`service "app"`}, tc.err.Error())
			if got := !resp.State.Raw.IsNull(); got != tc.wantState {
				t.Fatalf("state recorded = %v, want %v", got, tc.wantState)
			}
			if tc.wantState {
				got := stateOf[serviceModel](t, resp.State)
				if got.Running.ValueBool() || !got.ReadinessPort.Equal(types.Int64Value(8000)) {
					t.Errorf("state = running %v readiness %v, want what the machine has and the plan's readiness", got.Running, got.ReadinessPort)
				}
			}
		})
	}
}

func TestMapEntryCreateExists(t *testing.T) {
	plan := tfsdk.Plan{Schema: mapEntrySchema()}
	if d := plan.Set(context.Background(), &mapEntryModel{
		ID: types.StringUnknown(), Map: types.StringValue("deluxe"), Key: types.StringValue("john"),
		Value: types.StringValue("gold"), Path: types.StringUnknown(),
	}); d.HasError() {
		t.Fatal(d)
	}
	exists := &api.Error{Code: api.CodeExists, Message: "key john exists"}
	f := &scripted{answers: map[string]answer{api.MethodMapEntrySet: {err: exists}}}
	r := NewMapEntryResource().(*mapEntryResource)
	r.machine = f
	resp := resource.CreateResponse{State: tfsdk.State{Schema: mapEntrySchema()}}
	r.Create(context.Background(), resource.CreateRequest{Plan: plan}, &resp)
	checkDiags(t, resp.Diagnostics, "Unable to Create Map Entry",
		[]string{`map entry "deluxe/john"`, "already has that key", "terraform import <resource address> deluxe/john`."}, exists.Error())
	if spec, ok := f.params[api.MethodMapEntrySet].(api.MapEntrySpec); !ok || !spec.Create {
		t.Errorf("create sent %#v, want a MapEntrySpec with Create set", f.params[api.MethodMapEntrySet])
	}
}

// On update a write-only password is sent again only when its version
// changed; otherwise the agent keeps the machine's hash.
func TestUserlistUpdateRehashes(t *testing.T) {
	user := func(version int64) userModel {
		return userModel{Name: types.StringValue("vip"), Groups: []types.String{}, PasswordHash: types.StringNull(),
			PasswordWO: types.StringNull(), PasswordWOVersion: types.Int64Value(version)}
	}
	model := func(u userModel) userlistModel {
		return userlistModel{ID: types.StringValue("members"), Name: types.StringValue("members"), Groups: []types.String{}, Users: []userModel{u}}
	}
	for name, tc := range map[string]struct {
		before, after int64
		wantHash      bool
	}{
		"same version keeps the machine's hash": {1, 1, false},
		"new version sends a new hash":          {1, 2, true},
	} {
		t.Run(name, func(t *testing.T) {
			prior := tfsdk.State{Schema: userlistSchema()}
			setState(t, &prior, model(user(tc.before)))
			plan := tfsdk.Plan{Schema: userlistSchema()}
			if d := plan.Set(context.Background(), ptrTo(model(user(tc.after)))); d.HasError() {
				t.Fatal(d)
			}
			withPassword := user(tc.after)
			withPassword.PasswordWO = types.StringValue("s3cret")
			cfg := tfsdk.Plan{Schema: userlistSchema()}
			if d := cfg.Set(context.Background(), ptrTo(model(withPassword))); d.HasError() {
				t.Fatal(d)
			}
			f := &scripted{answers: map[string]answer{api.MethodUserlistUpdate: {result: api.Userlist{
				Name: "members", Users: []api.User{{Name: "vip", PasswordHash: "$6$x$y"}},
			}}}}
			r := NewUserlistResource().(*userlistResource)
			r.machine = f
			resp := resource.UpdateResponse{State: prior}
			r.Update(context.Background(), resource.UpdateRequest{Plan: plan, State: prior, Config: tfsdk.Config(cfg)}, &resp)
			checkDiags(t, resp.Diagnostics, "", nil, "")
			sent, ok := f.params[api.MethodUserlistUpdate].(api.Userlist)
			if !ok {
				t.Fatalf("update sent %#v", f.params[api.MethodUserlistUpdate])
			}
			if got := sent.Users[0].PasswordHash != ""; got != tc.wantHash {
				t.Errorf("hash sent = %v (%q), want %v", got, sent.Users[0].PasswordHash, tc.wantHash)
			}
			// The state never holds a hash of a write-only password.
			if got := stateOf[userlistModel](t, resp.State); !got.Users[0].PasswordHash.IsNull() {
				t.Errorf("state holds hash %s for a write-only password", got.Users[0].PasswordHash)
			}
		})
	}
}

// Every kind whose import id is a name starts its state from the name and
// marks the import; a bad id names what was expected.
func TestImportByName(t *testing.T) {
	for _, tc := range []struct {
		r        resource.ResourceWithImportState
		schema   func() schema.Schema
		good     string
		bad      string
		expected string
	}{
		{NewFrontendResource().(resource.ResourceWithImportState), frontendSchema, "web", "my web", "terraform import switchyard_frontend.web web"},
		{NewUserlistResource().(resource.ResourceWithImportState), userlistSchema, "members", "a/b", "terraform import switchyard_userlist.members members"},
		{NewMapResource().(resource.ResourceWithImportState), mapSchema, "deluxe", ".x", "terraform import switchyard_map.deluxe deluxe"},
		{NewNamespaceResource().(resource.ResourceWithImportState), namespaceSchema, "app", "-app", "terraform import switchyard_namespace.app app"},
		{NewServiceResource().(resource.ResourceWithImportState), serviceSchema, "app", "a@b", "terraform import switchyard_service.app app"},
	} {
		t.Run(tc.good, func(t *testing.T) {
			s := tc.schema()
			empty := tfsdk.State{Schema: s}
			empty.Raw = tftypes.NewValue(s.Type().TerraformType(context.Background()), nil)
			resp := resource.ImportStateResponse{State: empty}
			resp.Private = newPrivate(resp.Private)
			tc.r.ImportState(context.Background(), resource.ImportStateRequest{ID: tc.good}, &resp)
			checkDiags(t, resp.Diagnostics, "", nil, "")
			var name, id types.String
			resp.State.GetAttribute(context.Background(), path.Root("name"), &name)
			resp.State.GetAttribute(context.Background(), path.Root("id"), &id)
			if diff := cmp.Diff([]string{tc.good, tc.good}, []string{name.ValueString(), id.ValueString()}); diff != "" {
				t.Errorf("name, id (-want +got):\n%s", diff)
			}
			if !isMarked(t, resp.Private) {
				t.Errorf("no import marker")
			}

			resp = resource.ImportStateResponse{State: empty}
			resp.Private = newPrivate(resp.Private)
			tc.r.ImportState(context.Background(), resource.ImportStateRequest{ID: tc.bad}, &resp)
			checkDiags(t, resp.Diagnostics, "Invalid Import ID", []string{"import id", tc.bad, tc.expected}, "")
			if isMarked(t, resp.Private) {
				t.Errorf("a refused import set the marker")
			}
		})
	}
}

func TestDeleteNotConfigured(t *testing.T) {
	r := NewNamespaceResource().(*namespaceResource)
	state := tfsdk.State{Schema: namespaceSchema()}
	setState(t, &state, namespaceModel{ID: types.StringValue("app"), Name: types.StringValue("app"), Unit: types.StringValue("u")})
	resp := resource.DeleteResponse{State: state}
	r.Delete(context.Background(), resource.DeleteRequest{State: state}, &resp)
	checkDiags(t, resp.Diagnostics, "Unable to Delete Namespace", []string{`network namespace "app"`, "not known"}, "")
}
