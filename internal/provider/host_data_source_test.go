package provider

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestHostDataSourceRead(t *testing.T) {
	unreachable := errors.New("ssh to root@10.0.0.5:22: host key: host key mismatch for 10.0.0.5:22")
	tests := []struct {
		name        string
		machine     *fakeMachine // nil: provider not configured
		want        *hostModel
		wantSummary string
		wantDetail  []string
		wantSuffix  string
	}{
		{
			name:    "reports the agent's facts",
			machine: newFakeMachine(),
			want: &hostModel{
				Hostname: types.StringValue("swlab-1"), OS: types.StringValue("Debian GNU/Linux 12 (bookworm)"),
				Kernel: types.StringValue("6.1.0"), Arch: types.StringValue("amd64"),
				HAProxyVersion: types.StringValue("2.6.12-1+deb12u1"), AgentVersion: types.StringValue("dev"),
				Requests: types.Int64Value(3), Reloads: types.Int64Value(1),
			},
		},
		{
			name:        "connection failure",
			machine:     &fakeMachine{fail: map[string]error{api.MethodHostInfo: unreachable}},
			wantSummary: "Unable to Read Host", wantSuffix: unreachable.Error(),
		},
		{
			name:        "provider not configured",
			wantSummary: "Unable to Read Host", wantDetail: []string{"not known"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &hostDataSource{}
			if tt.machine != nil {
				d.machine = tt.machine
			}
			resp := datasource.ReadResponse{State: tfsdk.State{Schema: hostSchema()}}
			d.Read(context.Background(), datasource.ReadRequest{}, &resp)
			checkDiags(t, resp.Diagnostics, tt.wantSummary, tt.wantDetail, tt.wantSuffix)
			if tt.want == nil {
				return
			}
			var got hostModel
			if diags := resp.State.Get(context.Background(), &got); diags.HasError() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHostSchema(t *testing.T) {
	if diags := hostSchema().ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
}
