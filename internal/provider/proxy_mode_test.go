package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// In tcp mode, what HAProxy would ignore with a warning is refused at plan
// time, naming the attribute; in http mode the same is fine.
func TestValidateTCPMode(t *testing.T) {
	ctx := context.Background()
	frontend := func(mode string, change func(*frontendModel)) tfsdk.Config {
		m := frontendModel{
			Name: types.StringValue("db"), Mode: types.StringValue(mode),
			Forwardfor: types.BoolValue(false), Httplog: types.BoolValue(false),
			Binds: []bindModel{{Address: types.StringValue("*"), Port: types.Int64Value(5432), Namespace: types.StringNull(),
				SSLCertificate: types.StringNull(), ALPN: types.StringNull(), SSLMinVer: types.StringNull()}},
		}
		change(&m)
		return tfsdk.Config(stateForFrontend(t, m))
	}
	backend := func(mode string, change func(*backendModel)) tfsdk.Config {
		m := webModel()
		m.Mode = types.StringValue(mode)
		change(&m)
		return tfsdk.Config(stateFor(t, m))
	}
	rules := func(m *frontendModel) { m.HTTPRequest = []types.String{types.StringValue("deny")} }
	for name, tc := range map[string]struct {
		config  tfsdk.Config
		backend bool
		want    []string // attributes refused
	}{
		"tcp frontend, plain":        {frontend("tcp", func(*frontendModel) {}), false, nil},
		"tcp frontend, http_request": {frontend("tcp", rules), false, []string{"http_request"}},
		"tcp frontend, http_response": {frontend("tcp", func(m *frontendModel) {
			m.HTTPResponse = []types.String{types.StringValue("set-header X a")}
		}), false, []string{"http_response"}},
		"tcp frontend, http_after_response": {frontend("tcp", func(m *frontendModel) {
			m.HTTPAfterResponse = []types.String{types.StringValue("set-header X a")}
		}), false, []string{"http_after_response"}},
		"tcp frontend, tcp_request": {frontend("tcp", func(m *frontendModel) {
			m.TCPRequest = []types.String{types.StringValue("content accept")}
		}), false, nil},
		"tcp frontend, empty rules": {frontend("tcp", func(m *frontendModel) { m.HTTPRequest = []types.String{} }), false, nil},
		"tcp frontend, options": {frontend("tcp", func(m *frontendModel) {
			m.Forwardfor, m.Httplog = types.BoolValue(true), types.BoolValue(true)
		}), false, []string{"forwardfor", "httplog"}},
		"http frontend, all of it": {frontend("http", func(m *frontendModel) {
			rules(m)
			m.Forwardfor, m.Httplog = types.BoolValue(true), types.BoolValue(true)
		}), false, nil},
		"tcp backend, http_request": {backend("tcp", func(m *backendModel) {
			m.HTTPRequest = stringList([]string{"set-header X a"})
		}), true, []string{"http_request"}},
		"tcp backend, http_response": {backend("tcp", func(m *backendModel) {
			m.HTTPResponse = stringList([]string{"set-header X a"})
		}), true, []string{"http_response"}},
		"tcp backend, http_after_response": {backend("tcp", func(m *backendModel) {
			m.HTTPAfterResponse = []types.String{types.StringValue("set-header X a")}
		}), true, []string{"http_after_response"}},
		"tcp backend, tcp rules": {backend("tcp", func(m *backendModel) {
			m.TCPRequest = []types.String{types.StringValue("content accept")}
			m.TCPResponse = []types.String{types.StringValue("content accept")}
		}), true, nil},
		"http backend, http_request": {backend("http", func(m *backendModel) {
			m.HTTPRequest = stringList([]string{"set-header X a"})
		}), true, nil},
	} {
		t.Run(name, func(t *testing.T) {
			resp := &resource.ValidateConfigResponse{}
			req := resource.ValidateConfigRequest{Config: tc.config}
			if tc.backend {
				newBackendResource(nil).ValidateConfig(ctx, req, resp)
			} else {
				(&frontendResource{}).ValidateConfig(ctx, req, resp)
			}
			var got []string
			for _, d := range resp.Diagnostics.Errors() {
				got = append(got, strings.Fields(d.Detail())[0])
				if !strings.Contains(d.Detail(), "in tcp mode") {
					t.Errorf("detail %q does not say why", d.Detail())
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("refused %v, want %v (%v)", got, tc.want, resp.Diagnostics)
			}
		})
	}
}
