package provider

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// fakeMachine stands in for a machine's agent: it keeps backends in memory
// and sends every request and answer through JSON, as the wire does, so a
// missing or wrong json tag shows up here.
type fakeMachine struct {
	mu       sync.Mutex
	backends map[string]api.Backend
	fail     map[string]error // method → error to return instead
	calls    []string
	// readBack changes a backend as the machine would when it stores it
	// (HAProxy normalising a value), to prove state comes from the answer.
	readBack func(*api.Backend)
}

var _ caller = (*fakeMachine)(nil)

func newFakeMachine(backends ...api.Backend) *fakeMachine {
	f := &fakeMachine{backends: map[string]api.Backend{}, fail: map[string]error{}}
	for _, b := range backends {
		f.backends[b.Name] = b
	}
	return f
}

func (f *fakeMachine) Call(_ context.Context, method string, params, result any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, method)
	if err := f.fail[method]; err != nil {
		return err
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	var answer any
	switch method {
	case api.MethodBackendCreate, api.MethodBackendUpdate:
		var b api.Backend
		if err := json.Unmarshal(raw, &b); err != nil {
			return err
		}
		_, exists := f.backends[b.Name]
		if method == api.MethodBackendCreate && exists {
			return api.Errorf(api.CodeExists, "backend %q already exists", b.Name)
		}
		if method == api.MethodBackendUpdate && !exists {
			return api.Errorf(api.CodeNotFound, "backend %q not found", b.Name)
		}
		if f.readBack != nil {
			f.readBack(&b)
		}
		f.backends[b.Name] = b
		answer = b
	case api.MethodBackendGet, api.MethodBackendDelete:
		var ref api.BackendRef
		if err := json.Unmarshal(raw, &ref); err != nil {
			return err
		}
		b, ok := f.backends[ref.Name]
		if !ok {
			return api.Errorf(api.CodeNotFound, "backend %q not found", ref.Name)
		}
		if method == api.MethodBackendDelete {
			delete(f.backends, ref.Name)
		} else {
			answer = b
		}
	case api.MethodHostInfo:
		answer = api.HostInfo{Hostname: "swlab-1", OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0", Arch: "amd64",
			HAProxyVersion: "2.6.12-1+deb12u1", AgentVersion: "dev", Protocol: api.ProtocolVersion, Requests: 3, Reloads: 1}
	default:
		return api.Errorf(api.CodeUnknown, "unknown method %q", method)
	}
	if result == nil || answer == nil {
		return nil
	}
	out, err := json.Marshal(answer)
	if err != nil {
		return err
	}
	return json.Unmarshal(out, result)
}

func ptr(n int64) *int64 { return &n }

// webModel is a backend as a plan has it: defaults filled in, unset
// optional values null.
func webModel() backendModel {
	server := func(name string, port int64) serverModel {
		return serverModel{
			Name: types.StringValue(name), Address: types.StringValue("127.0.0.1"), Port: types.Int64Value(port),
			Check: types.BoolValue(false), Weight: types.Int64Null(), Backup: types.BoolValue(false), Namespace: types.StringNull(),
			Inter: types.StringNull(), Maxconn: types.Int64Null(), AdminState: types.StringValue(api.AdminReady),
		}
	}
	return backendModel{
		ID:           types.StringValue("web"),
		Name:         types.StringValue("web"),
		Mode:         types.StringValue("http"),
		Balance:      types.StringValue("roundrobin"),
		Servers:      []serverModel{server("app1", 8080), server("app2", 8081)},
		HTTPRequest:  types.ListNull(types.StringType),
		HTTPResponse: types.ListNull(types.StringType),
		DrainTimeout: types.StringValue(defaultDrainTimeout),
	}
}

func webAPI() api.Backend {
	return api.Backend{
		Name: "web", Mode: "http", Balance: "roundrobin", DrainTimeout: ptr(api.DefaultDrainTimeout),
		Servers: []api.Server{
			{Name: "app1", Address: "127.0.0.1", Port: ptr(8080)},
			{Name: "app2", Address: "127.0.0.1", Port: ptr(8081)},
		},
	}
}

func TestBackendToAPI(t *testing.T) {
	full := webModel()
	full.Servers[1] = serverModel{
		Name: types.StringValue("app2"), Address: types.StringValue("::1"), Port: types.Int64Value(8081),
		Check: types.BoolValue(true), Weight: types.Int64Value(0), Backup: types.BoolValue(true), Namespace: types.StringValue("app2"),
	}
	noServers := webModel()
	noServers.Servers = nil
	ext := webModel()
	ext.HTTPRequest = types.ListValueMust(types.StringType, []attr.Value{types.StringValue("set-header X-A b")})
	ext.HTTPResponse = types.ListValueMust(types.StringType, []attr.Value{types.StringValue(`set-header Strict-Transport-Security "max-age=31536000"`)})
	ext.HTTPCheck = &httpCheckModel{Method: types.StringValue("HEAD"), URI: types.StringValue("/health")}
	ext.Servers[0].Inter, ext.Servers[0].Maxconn = types.StringValue("1.5s"), types.Int64Value(3)
	noRules := webModel()
	noRules.HTTPRequest = types.ListValueMust(types.StringType, []attr.Value{})
	extAPI := webAPI()
	extAPI.HTTPRequest = &[]string{"set-header X-A b"}
	extAPI.HTTPResponse = &[]string{`set-header Strict-Transport-Security "max-age=31536000"`}
	extAPI.HTTPCheck = &api.HTTPCheck{Method: "HEAD", URI: "/health"}
	extAPI.Servers[0].Inter, extAPI.Servers[0].Maxconn = ptr(1500), ptr(3)
	noRulesAPI := webAPI()
	noRulesAPI.HTTPRequest = &[]string{}

	tests := []struct {
		name string
		in   backendModel
		want api.Backend
	}{
		{"defaults", webModel(), webAPI()},
		{"every option", full, api.Backend{
			Name: "web", Mode: "http", Balance: "roundrobin", DrainTimeout: ptr(api.DefaultDrainTimeout),
			Servers: []api.Server{
				{Name: "app1", Address: "127.0.0.1", Port: ptr(8080)},
				// weight 0 is a value, not "unset": it drains the server.
				{Name: "app2", Address: "::1", Port: ptr(8081), Check: true, Weight: ptr(0), Backup: true, Namespace: "app2"},
			},
		}},
		// The agent replaces the server list: an empty one, not a missing one.
		{"no servers", noServers, api.Backend{Name: "web", Mode: "http", Balance: "roundrobin", Servers: []api.Server{}, DrainTimeout: ptr(api.DefaultDrainTimeout)}},
		// Nulls (webModel) leave the extensions nil: not managed.
		{"rules, check, inter and maxconn", ext, extAPI},
		// [] manages the rules: the section must end up with none.
		{"empty rules are managed", noRules, noRulesAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, backendToAPI(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackendFromAPI(t *testing.T) {
	// A section written by hand, without mode and balance lines: null, so
	// that the plan shows the provider writing its defaults.
	bare := api.Backend{Name: "legacy", Servers: []api.Server{{Name: "s1", Address: "10.0.0.1"}}}
	tests := []struct {
		name string
		in   api.Backend
		want backendModel
	}{
		{"as written by the provider", webAPI(), webModel()},
		{"hand-written, no mode, balance or port", bare, backendModel{
			ID: types.StringValue("legacy"), Name: types.StringValue("legacy"),
			Mode: types.StringNull(), Balance: types.StringNull(),
			Servers: []serverModel{{
				Name: types.StringValue("s1"), Address: types.StringValue("10.0.0.1"), Port: types.Int64Null(),
				Check: types.BoolValue(false), Weight: types.Int64Null(), Backup: types.BoolValue(false), Namespace: types.StringNull(),
				Inter: types.StringNull(), Maxconn: types.Int64Null(), AdminState: types.StringValue(api.AdminReady),
			}},
			HTTPRequest:  types.ListNull(types.StringType),
			HTTPResponse: types.ListNull(types.StringType),
		}},
		{"no servers is an empty list, not null", api.Backend{Name: "empty", Mode: "tcp", Balance: "leastconn"}, backendModel{
			ID: types.StringValue("empty"), Name: types.StringValue("empty"),
			Mode: types.StringValue("tcp"), Balance: types.StringValue("leastconn"), Servers: []serverModel{},
			HTTPRequest:  types.ListNull(types.StringType),
			HTTPResponse: types.ListNull(types.StringType),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, backendFromAPI(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Whatever a plan holds must come back identical after a trip to the
// machine and back, or every plan after an apply would show a difference.
func TestBackendRoundTrip(t *testing.T) {
	drained := webModel()
	drained.Servers[0].Weight = types.Int64Value(0)
	drained.Servers[0].Check = types.BoolValue(true)
	drained.Servers[1].Namespace = types.StringValue("ns-app2")
	drained.Servers[1].Backup = types.BoolValue(true)
	drained.Servers[0].AdminState = types.StringValue(api.AdminDrain)
	drained.Servers[1].AdminState = types.StringValue(api.AdminMaint)
	drained.Balance = types.StringValue("leastconn")
	empty := webModel()
	empty.Servers = []serverModel{}

	for name, m := range map[string]backendModel{"defaults": webModel(), "every option": drained, "no servers": empty} {
		t.Run(name, func(t *testing.T) {
			// Through JSON too, as the agent sees it.
			raw, err := json.Marshal(backendToAPI(m))
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
		})
	}
}

func TestParseBackendImportID(t *testing.T) {
	tests := []struct {
		id      string
		want    string
		wantErr string
	}{
		{id: "web", want: "web"},
		{id: "app-1.v2:blue", want: "app-1.v2:blue"},
		{id: "", wantErr: "must not be empty"},
		{id: "web ", wantErr: "a space"},
		{id: "machine/web", wantErr: "terraform import switchyard_backend.web web"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := parseBackendImportID(tt.id)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseBackendImportID(%q) error = %v, want it to contain %q", tt.id, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseBackendImportID(%q) = %q, %v; want %q", tt.id, got, err, tt.want)
			}
		})
	}
}

func TestBackendSchema(t *testing.T) {
	s := backendSchema()
	if diags := s.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema: %v", diags)
	}
	servers := s.Attributes["servers"].(schema.ListNestedAttribute)
	got := servers.NestedObject.Type().(types.ObjectType).AttrTypes
	if diff := cmp.Diff(serverAttrTypes, got); diff != "" {
		t.Errorf("serverAttrTypes differs from the schema (-serverAttrTypes +schema):\n%s", diff)
	}
	for _, algo := range balanceAlgorithms {
		if !strings.Contains(s.Attributes["balance"].GetMarkdownDescription(), "`"+algo+"`") {
			t.Errorf("balance description does not list %q", algo)
		}
	}
}

// planFor and stateFor build the framework's plan and state from a model.
func planFor(t *testing.T, m backendModel) tfsdk.Plan {
	t.Helper()
	p := tfsdk.Plan{Schema: backendSchema()}
	if diags := p.Set(context.Background(), &m); diags.HasError() {
		t.Fatal(diags)
	}
	return p
}

func stateFor(t *testing.T, m backendModel) tfsdk.State {
	t.Helper()
	s := tfsdk.State{Schema: backendSchema()}
	if diags := s.Set(context.Background(), &m); diags.HasError() {
		t.Fatal(diags)
	}
	return s
}

func modelOf(t *testing.T, s tfsdk.State) backendModel {
	t.Helper()
	var m backendModel
	if diags := s.Get(context.Background(), &m); diags.HasError() {
		t.Fatal(diags)
	}
	return m
}

func TestBackendCreate(t *testing.T) {
	rejected := &api.Error{Code: api.CodeRejected, Message: "haproxy -c rejected the configuration",
		Detail: "[ALERT] config : [haproxy.cfg:21] : 'server web/app1' : could not resolve address 'no-such-host.invalid'."}
	tests := []struct {
		name        string
		machine     *fakeMachine // nil: provider not configured
		wantState   func() backendModel
		wantSummary string
		wantDetail  []string // substrings, in order
		wantSuffix  string   // the detail ends with the underlying error
	}{
		{
			name:      "state is what the machine read back",
			machine:   &fakeMachine{backends: map[string]api.Backend{}, readBack: func(b *api.Backend) { b.Servers[0].Weight = ptr(1) }},
			wantState: func() backendModel { m := webModel(); m.Servers[0].Weight = types.Int64Value(1); return m },
		},
		{
			name:        "HAProxy rejects it",
			machine:     &fakeMachine{backends: map[string]api.Backend{}, fail: map[string]error{api.MethodBackendCreate: rejected}},
			wantSummary: "Unable to Create Backend",
			wantDetail:  []string{`backend "web"`, "could not resolve address 'no-such-host.invalid'"},
			wantSuffix:  rejected.Error(),
		},
		{
			// Different from the plan: an identical one would be adopted
			// (adopt_test.go).
			name:        "it already exists",
			machine:     newFakeMachine(otherWebAPI()),
			wantSummary: "Unable to Create Backend",
			wantDetail:  []string{`backend "web"`, "already exists", "terraform import", `backend "web" already exists`},
		},
		{
			name:        "provider not configured",
			wantSummary: "Unable to Create Backend",
			wantDetail:  []string{`backend "web"`, "not known"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newBackendResource(nil)
			if tt.machine != nil {
				r.machine = tt.machine
			}
			resp := resource.CreateResponse{State: tfsdk.State{Schema: backendSchema()}}
			r.Create(context.Background(), resource.CreateRequest{Plan: planFor(t, webModel())}, &resp)
			checkDiags(t, resp.Diagnostics, tt.wantSummary, tt.wantDetail, tt.wantSuffix)
			if tt.wantState != nil {
				if diff := cmp.Diff(tt.wantState(), modelOf(t, resp.State)); diff != "" {
					t.Errorf("state (-want +got):\n%s", diff)
				}
			} else if !resp.State.Raw.IsNull() {
				t.Errorf("state was set although Create failed")
			}
		})
	}
}

func TestBackendRead(t *testing.T) {
	unreachable := errors.New("ssh to root@10.0.0.5:22: dial: connection refused (gave up after 5 attempts)")
	edited := webAPI()
	edited.Servers[1].Address = "127.0.0.3" // someone edited haproxy.cfg
	imported := backendModel{ID: types.StringValue("web"), Name: types.StringValue("web"), HTTPRequest: types.ListNull(types.StringType), HTTPResponse: types.ListNull(types.StringType)}
	// A machine with every optional setting: after import all of them are
	// in state; on a later read only those the prior state manages.
	ext := webAPI()
	ext.HTTPRequest = &[]string{"set-header X-A b"}
	ext.HTTPResponse = &[]string{`set-header Strict-Transport-Security "max-age=31536000"`}
	ext.HTTPCheck = &api.HTTPCheck{Method: "GET", URI: "/health"}
	ext.Servers[0].Inter, ext.Servers[0].Maxconn = ptr(1000), ptr(10)
	noRules := webAPI()
	noRules.HTTPRequest, noRules.HTTPResponse = &[]string{}, &[]string{}
	managed := webModel()
	managed.HTTPRequest = types.ListValueMust(types.StringType, []attr.Value{types.StringValue("set-header  X-A b")})
	managed.HTTPResponse = types.ListValueMust(types.StringType, []attr.Value{types.StringValue(`set-header   Strict-Transport-Security "max-age=31536000"`)})
	managed.HTTPCheck = &httpCheckModel{Method: types.StringValue("GET"), URI: types.StringValue("/health")}
	managed.Servers[0].Inter, managed.Servers[0].Maxconn = types.StringValue("1000ms"), types.Int64Value(10)

	tests := []struct {
		name        string
		machine     *fakeMachine
		prior       backendModel
		imported    bool          // the import marker is in private state
		wantState   *backendModel // nil: removed from state
		wantSummary string
		wantDetail  []string
		wantSuffix  string
	}{
		{
			name: "unchanged", machine: newFakeMachine(webAPI()), prior: webModel(),
			wantState: ptrTo(webModel()),
		},
		{
			name: "drift shows up", machine: newFakeMachine(edited), prior: webModel(),
			wantState: ptrTo(backendFromAPI(edited)),
		},
		{
			name: "after import only the name is known", imported: true, machine: newFakeMachine(webAPI()), prior: imported,
			wantState: ptrTo(webModel()),
		},
		{
			name: "after import every optional setting comes from the machine", imported: true, machine: newFakeMachine(ext), prior: imported,
			wantState: ptrTo(backendFromAPI(ext)),
		},
		{
			// A hand-written section without rules: imported with a
			// configuration that omits http_request, it plans no change.
			name: "after import no rules is null", imported: true, machine: newFakeMachine(noRules), prior: imported,
			wantState: ptrTo(webModel()),
		},
		{
			// The marker, not the shape of the state, says "just
			// imported": without it a state with null settings keeps
			// them unmanaged.
			name: "without the import marker nothing extra is taken", machine: newFakeMachine(ext), prior: imported,
			wantState: ptrTo(webModel()),
		},
		{
			name: "unmanaged settings stay null whatever the machine has", machine: newFakeMachine(ext), prior: webModel(),
			wantState: ptrTo(webModel()),
		},
		{
			name: "managed settings keep their spelling", machine: newFakeMachine(ext), prior: managed,
			wantState: ptrTo(managed),
		},
		{
			name: "deleted by hand is removed", machine: newFakeMachine(), prior: webModel(),
		},
		{
			name:    "unreachable machine is an error, never a removal",
			machine: &fakeMachine{backends: map[string]api.Backend{}, fail: map[string]error{api.MethodBackendGet: unreachable}},
			prior:   webModel(), wantState: ptrTo(webModel()),
			wantSummary: "Unable to Read Backend", wantDetail: []string{`backend "web"`}, wantSuffix: unreachable.Error(),
		},
		{
			name: "provider not configured", prior: webModel(), wantState: ptrTo(webModel()),
			wantSummary: "Unable to Read Backend", wantDetail: []string{`backend "web"`, "not known"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newBackendResource(nil)
			if tt.machine != nil {
				r.machine = tt.machine
			}
			prior := stateFor(t, tt.prior)
			private := newPrivate(resource.ReadRequest{}.Private)
			if tt.imported {
				markImported(t, private)
			}
			resp := resource.ReadResponse{State: prior, Private: private}
			r.Read(context.Background(), resource.ReadRequest{State: prior, Private: private}, &resp)
			checkDiags(t, resp.Diagnostics, tt.wantSummary, tt.wantDetail, tt.wantSuffix)
			// The marker lasts until a state has come from the machine.
			if got, want := isMarked(t, resp.Private), tt.imported && tt.wantSummary != "" && tt.wantState != nil; got != want {
				t.Errorf("import marker after Read = %v, want %v", got, want)
			}
			if tt.wantState == nil {
				if !resp.State.Raw.IsNull() {
					t.Errorf("state = %v, want the resource removed", modelOf(t, resp.State))
				}
				return
			}
			if diff := cmp.Diff(*tt.wantState, modelOf(t, resp.State)); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBackendUpdate(t *testing.T) {
	plan := webModel()
	plan.Balance = types.StringValue("static-rr")
	plan.Servers = plan.Servers[:1]

	t.Run("state is what the machine read back", func(t *testing.T) {
		f := newFakeMachine(webAPI())
		f.readBack = func(b *api.Backend) { b.Servers[0].Check = true }
		r := newBackendResource(f)
		resp := resource.UpdateResponse{State: stateFor(t, webModel())}
		r.Update(context.Background(), resource.UpdateRequest{Plan: planFor(t, plan), State: stateFor(t, webModel())}, &resp)
		checkDiags(t, resp.Diagnostics, "", nil, "")
		want := plan
		want.Servers = []serverModel{plan.Servers[0]}
		want.Servers[0].Check = types.BoolValue(true)
		if diff := cmp.Diff(want, modelOf(t, resp.State)); diff != "" {
			t.Errorf("state (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(backendToAPI(want), f.backends["web"]); diff != "" {
			t.Errorf("machine (-want +got):\n%s", diff)
		}
	})
	t.Run("deleted since the plan", func(t *testing.T) {
		r := newBackendResource(newFakeMachine())
		resp := resource.UpdateResponse{State: stateFor(t, webModel())}
		r.Update(context.Background(), resource.UpdateRequest{Plan: planFor(t, plan), State: stateFor(t, webModel())}, &resp)
		checkDiags(t, resp.Diagnostics, "Unable to Update Backend", []string{`backend "web"`, "apply again", `backend "web" not found`}, "")
	})
}

func TestBackendDelete(t *testing.T) {
	refused := &api.Error{Code: api.CodeReload, Message: "reload failed; the previous configuration was restored"}
	tests := []struct {
		name        string
		machine     *fakeMachine
		wantSummary string
		wantSuffix  string
	}{
		{name: "deletes", machine: newFakeMachine(webAPI())},
		{name: "already gone is fine", machine: newFakeMachine()},
		{
			name:        "failure is reported",
			machine:     &fakeMachine{backends: map[string]api.Backend{"web": webAPI()}, fail: map[string]error{api.MethodBackendDelete: refused}},
			wantSummary: "Unable to Delete Backend", wantSuffix: refused.Error(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newBackendResource(tt.machine)
			resp := resource.DeleteResponse{State: stateFor(t, webModel())}
			r.Delete(context.Background(), resource.DeleteRequest{State: stateFor(t, webModel())}, &resp)
			checkDiags(t, resp.Diagnostics, tt.wantSummary, nil, tt.wantSuffix)
			if _, left := tt.machine.backends["web"]; left && tt.wantSummary == "" {
				t.Errorf("backend still on the machine")
			}
		})
	}
}

func TestBackendImportState(t *testing.T) {
	r := newBackendResource(nil)
	resp := resource.ImportStateResponse{State: tfsdk.State{Schema: backendSchema()}}
	resp.Private = newPrivate(resp.Private)
	resp.State.Raw = stateFor(t, backendModel{HTTPRequest: types.ListNull(types.StringType), HTTPResponse: types.ListNull(types.StringType)}).Raw
	r.ImportState(context.Background(), resource.ImportStateRequest{ID: "web"}, &resp)
	checkDiags(t, resp.Diagnostics, "", nil, "")
	if !isMarked(t, resp.Private) {
		t.Errorf("ImportState did not set the import marker in private state")
	}
	got := modelOf(t, resp.State)
	want := backendModel{ID: types.StringValue("web"), Name: types.StringValue("web"), HTTPRequest: types.ListNull(types.StringType), HTTPResponse: types.ListNull(types.StringType)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}

	resp = resource.ImportStateResponse{State: tfsdk.State{Schema: backendSchema(), Raw: stateFor(t, backendModel{HTTPRequest: types.ListNull(types.StringType), HTTPResponse: types.ListNull(types.StringType)}).Raw}}
	resp.Private = newPrivate(resp.Private)
	r.ImportState(context.Background(), resource.ImportStateRequest{ID: "no such/name"}, &resp)
	checkDiags(t, resp.Diagnostics, "Invalid Import ID", []string{`"no such/name"`, "terraform import switchyard_backend.web web"}, "")
}

func ptrTo[T any](v T) *T { return &v }

// newPrivate returns empty private state of the framework's own type, which
// its package does not let tests name (p only gives the type).
func newPrivate[T any](p *T) *T {
	_ = p
	return new(T)
}

func markImported(t *testing.T, p interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}) {
	t.Helper()
	if d := p.SetKey(context.Background(), importedKey, importedValue); d.HasError() {
		t.Fatal(d)
	}
}

func isMarked(t *testing.T, p privateData) bool {
	t.Helper()
	imported, d := justImported(context.Background(), p)
	if d.HasError() {
		t.Fatal(d)
	}
	return imported
}

// checkDiags asserts there is no error when wantSummary is "", and otherwise
// exactly one error with that summary whose detail contains wantDetail in
// order and ends with wantSuffix.
func checkDiags(t *testing.T, diags diag.Diagnostics, wantSummary string, wantDetail []string, wantSuffix string) {
	t.Helper()
	errs := diags.Errors()
	if wantSummary == "" {
		if len(errs) > 0 {
			t.Fatalf("unexpected errors: %v", diags)
		}
		return
	}
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1 %q: %v", len(errs), wantSummary, diags)
	}
	if got := errs[0].Summary(); got != wantSummary {
		t.Errorf("summary = %q, want %q", got, wantSummary)
	}
	detail := errs[0].Detail()
	rest := detail
	for _, w := range wantDetail {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("detail does not contain %q (in this order):\n%s", w, detail)
			break
		}
		rest = rest[i+len(w):]
	}
	if !strings.HasSuffix(detail, wantSuffix) {
		t.Errorf("detail does not end with the underlying error %q:\n%s", wantSuffix, detail)
	}
}

func TestCheckURIValidator(t *testing.T) {
	v := checkURIValidator()
	for in, wantErr := range map[string]bool{"/": false, "/health?full=1": false, "health": true, "/a b": true, "/a#b": true, "": true} {
		if err := v.check(in); (err != nil) != wantErr {
			t.Errorf("check(%q) = %v, want error %v", in, err, wantErr)
		}
	}
}

// otherWebAPI is a backend "web" that is not the planned one.
func otherWebAPI() api.Backend {
	b := webAPI()
	b.Balance = "leastconn"
	return b
}
