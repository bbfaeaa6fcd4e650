package provider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestReloadReasons(t *testing.T) {
	w := func(v int64) *int64 { return &v }
	base := func() api.Backend {
		return api.Backend{Name: "web", Mode: "http", Balance: "roundrobin", Servers: []api.Server{
			{Name: "blue", Address: "127.0.0.1", Port: w(8080), Weight: w(100)},
			{Name: "green", Address: "127.0.0.1", Port: w(8081), Weight: w(0)},
		}}
	}
	for name, tc := range map[string]struct {
		change func(*api.Backend)
		want   []string
	}{
		"nothing":           {func(*api.Backend) {}, nil},
		"weights shift":     {func(b *api.Backend) { b.Servers[0].Weight, b.Servers[1].Weight = w(90), w(10) }, nil},
		"weight to default": {func(b *api.Backend) { b.Servers[0].Weight = nil }, nil},
		"drain and maint": {func(b *api.Backend) {
			b.Servers[0].AdminState, b.Servers[1].AdminState = api.AdminDrain, api.AdminMaint
		}, nil},
		"port":              {func(b *api.Backend) { b.Servers[1].Port = w(8082) }, nil},
		"port and a weight": {func(b *api.Backend) { b.Servers[1].Port, b.Servers[0].Weight = w(8082), w(1) }, nil},
		"ip address":        {func(b *api.Backend) { b.Servers[1].Address = "127.0.0.2" }, nil},
		"host name":         {func(b *api.Backend) { b.Servers[1].Address = "app.internal" }, []string{`server "green"`}},
		"port removed":      {func(b *api.Backend) { b.Servers[1].Port = nil }, []string{`server "green"`}},
		"check added":       {func(b *api.Backend) { b.Servers[1].Check = true }, []string{`server "green"`}},
		"balance":           {func(b *api.Backend) { b.Balance = "leastconn" }, []string{"balance"}},
		"server added": {func(b *api.Backend) {
			b.Servers = append(b.Servers, api.Server{Name: "red", Address: "127.0.0.1", Port: w(8082), Check: true})
		}, nil},
		"server added in front": {func(b *api.Backend) {
			b.Servers = append([]api.Server{{Name: "red", Address: "127.0.0.1", Port: w(8082)}}, b.Servers...)
		}, nil},
		"server removed": {func(b *api.Backend) { b.Servers = b.Servers[1:] }, nil},
		"blue-green swap": {func(b *api.Backend) {
			b.Servers = []api.Server{b.Servers[1], {Name: "red", Address: "127.0.0.1", Port: w(8082)}}
		}, nil},
		"namespaced server added": {func(b *api.Backend) {
			b.Servers = append(b.Servers, api.Server{Name: "red", Address: "127.0.0.1", Port: w(8082), Namespace: "red"})
		}, []string{`server "red" added with a namespace`}},
		"server added by host name": {func(b *api.Backend) {
			b.Servers = append(b.Servers, api.Server{Name: "red", Address: "red.internal", Port: w(8082)})
		}, []string{`server "red" added with a host name`}},
		"namespaced server removed": {func(b *api.Backend) { b.Servers = b.Servers[:1] }, nil},
		"servers reordered":         {func(b *api.Backend) { b.Servers[0], b.Servers[1] = b.Servers[1], b.Servers[0] }, []string{"servers reordered"}},
		"http_request taken":        {func(b *api.Backend) { b.HTTPRequest = &[]string{"deny"} }, []string{"http_request"}},
		"http_response set":         {func(b *api.Backend) { b.HTTPResponse = &[]string{"del-header Server"} }, []string{"http_response"}},
		"drain_timeout":             {func(b *api.Backend) { b.DrainTimeout = w(1000) }, nil},
		"tcp_request set":           {func(b *api.Backend) { b.TCPRequest = &[]string{"inspect-delay 1000"} }, []string{"tcp_request"}},
		"tcp_response set":          {func(b *api.Backend) { b.TCPResponse = &[]string{"content accept"} }, []string{"tcp_response"}},
		"http_after_response set":   {func(b *api.Backend) { b.HTTPAfterResponse = &[]string{"del-header Server"} }, []string{"http_after_response"}},
		"extra_lines set":           {func(b *api.Backend) { b.ExtraLines = &[]string{"http-reuse always"} }, []string{"extra_lines"}},
	} {
		t.Run(name, func(t *testing.T) {
			to := base()
			tc.change(&to)
			if diff := cmp.Diff(tc.want, reloadReasons(base(), to)); diff != "" {
				t.Errorf("reloadReasons (-want +got):\n%s", diff)
			}
		})
	}
}

// On a balance that cannot change its server list at runtime, adding or
// removing servers reloads; a port change still goes live.
func TestReloadReasonsStaticBalance(t *testing.T) {
	w := func(v int64) *int64 { return &v }
	for _, balance := range []string{"static-rr", "first", "source", "uri", "url_param", "hdr"} {
		from := api.Backend{Name: "web", Balance: balance, Servers: []api.Server{
			{Name: "blue", Address: "127.0.0.1", Port: w(8080)},
			{Name: "green", Address: "127.0.0.1", Port: w(8081)},
		}}
		added := from
		added.Servers = append(slices.Clone(from.Servers), api.Server{Name: "red", Address: "127.0.0.1", Port: w(8082)})
		removed := from
		removed.Servers = from.Servers[:1]
		moved := from
		moved.Servers = slices.Clone(from.Servers)
		moved.Servers[1].Port = w(9000)
		want := []string{"balance " + balance + " cannot add or remove servers at runtime"}
		for name, to := range map[string]api.Backend{"added": added, "removed": removed} {
			if diff := cmp.Diff(want, reloadReasons(from, to)); diff != "" {
				t.Errorf("balance %s, server %s (-want +got):\n%s", balance, name, diff)
			}
		}
		if got := reloadReasons(from, moved); got != nil {
			t.Errorf("balance %s, port change: %v, want none", balance, got)
		}
	}
}

// The plan of an update that reloads says so; one that goes live does not.
func TestBackendModifyPlanWarnsOfReload(t *testing.T) {
	state := webModel()
	for name, tc := range map[string]struct {
		change   func(*backendModel)
		wantWarn bool
	}{
		"weight only":    {func(m *backendModel) { m.Servers[0].Weight = types.Int64Value(5) }, false},
		"address change": {func(m *backendModel) { m.Servers[0].Address = types.StringValue("127.0.0.2") }, false},
		"host name":      {func(m *backendModel) { m.Servers[0].Address = types.StringValue("app.internal") }, true},
		"server removed": {func(m *backendModel) { m.Servers = m.Servers[:1] }, false},
		"namespaced server added": {func(m *backendModel) {
			s := m.Servers[0]
			s.Name, s.Namespace = types.StringValue("app3"), types.StringValue("ns3")
			m.Servers = append(m.Servers, s)
		}, true},
	} {
		t.Run(name, func(t *testing.T) {
			plan := webModel()
			tc.change(&plan)
			r := newBackendResource(nil)
			req := resource.ModifyPlanRequest{State: stateFor(t, state), Plan: planFor(t, plan)}
			resp := resource.ModifyPlanResponse{Plan: req.Plan}
			r.ModifyPlan(context.Background(), req, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			w := resp.Diagnostics.Warnings()
			if got := len(w) == 1; got != tc.wantWarn {
				t.Fatalf("warned = %v, want %v: %v", got, tc.wantWarn, resp.Diagnostics)
			}
			if tc.wantWarn && (w[0].Summary() != "Change Reloads HAProxy" || !strings.Contains(w[0].Detail(), `backend "web"`)) {
				t.Errorf("warning = %q: %q", w[0].Summary(), w[0].Detail())
			}
		})
	}
}

// A no-change plan (the plan is the state) takes ModifyPlan's shortcut: no
// warning, no model decoded, but the check of an inherited tcp mode still
// runs, so an http-only rule on a backend whose defaults section became tcp
// is refused even when nothing in the configuration changed.
func TestBackendModifyPlanNoChange(t *testing.T) {
	ctx := context.Background()
	t.Run("nothing to say", func(t *testing.T) {
		f := newFakeMachine(webAPI())
		r := newBackendResource(f)
		req := resource.ModifyPlanRequest{State: stateFor(t, webModel()), Plan: planFor(t, webModel())}
		resp := resource.ModifyPlanResponse{Plan: req.Plan}
		r.ModifyPlan(ctx, req, &resp)
		if len(resp.Diagnostics) != 0 {
			t.Fatal(resp.Diagnostics)
		}
		if !resp.Plan.Raw.Equal(req.Plan.Raw) {
			t.Error("the plan changed")
		}
		if len(f.calls) != 0 {
			t.Errorf("machine asked %v, want nothing (mode is set)", f.calls)
		}
	})
	t.Run("inherited tcp mode still refused", func(t *testing.T) {
		m := webModel()
		m.Mode = types.StringNull()
		m.HTTPRequest = stringList([]string{"deny"})
		live := webAPI()
		live.Mode, live.InheritedMode, live.HTTPRequest = "", "tcp", &[]string{"deny"}
		f := newFakeMachine(live)
		r := newBackendResource(f)
		cfg := tfsdk.Config{Schema: backendSchema(), Raw: planFor(t, m).Raw}
		req := resource.ModifyPlanRequest{Config: cfg, State: stateFor(t, m), Plan: planFor(t, m)}
		resp := resource.ModifyPlanResponse{Plan: req.Plan}
		r.ModifyPlan(ctx, req, &resp)
		if !resp.Diagnostics.HasError() || resp.Diagnostics.Errors()[0].Summary() != "Attribute Needs HTTP Mode" ||
			!strings.Contains(resp.Diagnostics.Errors()[0].Detail(), `backend "web"`) {
			t.Fatalf("diagnostics = %v, want Attribute Needs HTTP Mode for backend \"web\"", resp.Diagnostics)
		}
		if len(resp.Diagnostics.Warnings()) != 0 {
			t.Errorf("warnings = %v, want none: nothing changes", resp.Diagnostics.Warnings())
		}
	})
}
