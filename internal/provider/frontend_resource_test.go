package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestFrontendSchemaValid(t *testing.T) {
	resp := &resource.SchemaResponse{}
	NewFrontendResource().Schema(context.Background(), resource.SchemaRequest{}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
	got := resp.Schema.Attributes["use_backend"].GetType().(types.ListType).ElemType.(types.ObjectType).AttrTypes
	if diff := cmp.Diff(useBackendAttrTypes, got); diff != "" {
		t.Errorf("useBackendAttrTypes disagrees with the schema (-want +got):\n%s", diff)
	}
}

func TestFrontendMapping(t *testing.T) {
	port := int64(8100)
	live := api.Frontend{
		Name: "www", Mode: "http", Httplog: true,
		Binds:        []api.Bind{{Address: "*", Port: &port}},
		ACLs:         []string{"is_app3 path_beg /app3"},
		HTTPRequest:  []string{"auth realm M unless { http_auth(l) }", "deny if x"},
		HTTPResponse: []string{`set-header Strict-Transport-Security "max-age=31536000"`, "del-header Server"},
		UseBackends:  []api.UseBackend{{Backend: "app3", Cond: "if", CondTest: "is_app3 !x"}},
	}
	prior := frontendModel{
		ACLs:         []types.String{types.StringValue("is_app3  path_beg   /app3")},
		HTTPRequest:  []types.String{types.StringValue("auth  realm M unless { http_auth(l) }"), types.StringValue("deny if y")},
		HTTPResponse: []types.String{types.StringValue(`set-header  Strict-Transport-Security "max-age=31536000"`), types.StringValue("del-header X-Powered-By")},
		UseBackends:  []useBackendModel{{CondTest: types.StringValue("is_app3   !x")}},
	}
	m := frontendFromAPI(live, prior)
	// Same meaning: the prior spelling stays; a real difference shows.
	want := []string{"auth  realm M unless { http_auth(l) }", "deny if x"}
	if diff := cmp.Diff(want, strs(m.HTTPRequest)); diff != "" {
		t.Errorf("http_request (-want +got):\n%s", diff)
	}
	wantResp := []string{`set-header  Strict-Transport-Security "max-age=31536000"`, "del-header Server"}
	if diff := cmp.Diff(wantResp, strs(m.HTTPResponse)); diff != "" {
		t.Errorf("http_response (-want +got):\n%s", diff)
	}
	if got := strs(m.ACLs); got[0] != "is_app3  path_beg   /app3" {
		t.Errorf("acls = %q", got)
	}
	if got := m.UseBackends[0].CondTest.ValueString(); got != "is_app3   !x" {
		t.Errorf("cond_test = %q", got)
	}
	if !m.Maxconn.IsNull() || !m.DefaultBackend.IsNull() || m.Forwardfor.ValueBool() {
		t.Errorf("unset keywords must read as null/false: %+v", m)
	}
	// And back: what the agent gets is what the state says.
	back := frontendToAPI(frontendFromAPI(live, frontendModel{}))
	if diff := cmp.Diff(live, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestFrontendBindTLSRoundTrip(t *testing.T) {
	port := int64(443)
	live := api.Frontend{
		Name: "www", Mode: "http",
		Binds: []api.Bind{
			{Address: "*", Port: &port, SSLCertificate: "/etc/haproxy/certs/www.pem", ALPN: "h2,http/1.1", SSLMinVer: "TLSv1.2"},
			{Address: "*", Port: &port},
		},
		ACLs: []string{}, HTTPRequest: []string{}, HTTPResponse: []string{}, UseBackends: []api.UseBackend{},
	}
	m := frontendFromAPI(live, frontendModel{})
	if !m.Binds[1].ALPN.IsNull() || !m.Binds[1].SSLMinVer.IsNull() {
		t.Errorf("a plain bind's TLS options must read as null: %+v", m.Binds[1])
	}
	if diff := cmp.Diff(live, frontendToAPI(m)); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestFrontendValidateBindTLS(t *testing.T) {
	ctx := context.Background()
	sch := frontendSchema()
	for name, tc := range map[string]struct {
		cert, alpn types.String
		wantErr    bool
	}{
		"tls with alpn":      {types.StringValue("/etc/haproxy/certs/a.pem"), types.StringValue("h2"), false},
		"plain":              {types.StringNull(), types.StringNull(), false},
		"alpn without a crt": {types.StringNull(), types.StringValue("h2"), true},
	} {
		t.Run(name, func(t *testing.T) {
			m := frontendModel{
				Name: types.StringValue("www"), Mode: types.StringValue("http"),
				Binds: []bindModel{{Address: types.StringValue("*"), Port: types.Int64Value(443), Namespace: types.StringNull(),
					SSLCertificate: tc.cert, ALPN: tc.alpn, SSLMinVer: types.StringNull()}},
			}
			st := stateForFrontend(t, m)
			resp := &resource.ValidateConfigResponse{}
			r := &frontendResource{}
			r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: sch, Raw: st.Raw}}, resp)
			if resp.Diagnostics.HasError() != tc.wantErr {
				t.Fatalf("errors = %v, want %v: %v", resp.Diagnostics.HasError(), tc.wantErr, resp.Diagnostics)
			}
		})
	}
}

func stateForFrontend(t *testing.T, m frontendModel) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	st := tfsdk.State{Schema: frontendSchema()}
	if d := st.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	return st
}
