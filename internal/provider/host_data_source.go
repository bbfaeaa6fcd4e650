package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

var (
	_ datasource.DataSource              = (*hostDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*hostDataSource)(nil)
)

// hostDataSource is switchyard_host: what the agent reports about the
// machine it runs on.
type hostDataSource struct {
	machine caller // nil while the provider's settings are unknown
}

// NewHostDataSource is the switchyard_host factory.
func NewHostDataSource() datasource.DataSource {
	return &hostDataSource{}
}

type hostModel struct {
	Hostname       types.String `tfsdk:"hostname"`
	OS             types.String `tfsdk:"os"`
	Kernel         types.String `tfsdk:"kernel"`
	Arch           types.String `tfsdk:"arch"`
	HAProxyVersion types.String `tfsdk:"haproxy_version"`
	AgentVersion   types.String `tfsdk:"agent_version"`
	Requests       types.Int64  `tfsdk:"requests"`
	Reloads        types.Int64  `tfsdk:"reloads"`
}

func (d *hostDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_host"
}

func (d *hostDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = hostSchema()
}

func hostSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Facts about the machine the provider block points at, as its agent reports them. " +
			"Reading it connects to the machine, so it is also a cheap way to check the connection settings.",
		Attributes: map[string]schema.Attribute{
			"hostname": schema.StringAttribute{
				MarkdownDescription: "The machine's host name.",
				Computed:            true,
			},
			"os": schema.StringAttribute{
				MarkdownDescription: "The operating system, as `PRETTY_NAME` in `/etc/os-release` (for example `Debian GNU/Linux 12 (bookworm)`).",
				Computed:            true,
			},
			"kernel": schema.StringAttribute{
				MarkdownDescription: "The kernel release, as `uname -r` prints it.",
				Computed:            true,
			},
			"arch": schema.StringAttribute{
				MarkdownDescription: "The machine's architecture as Go names it: `amd64` or `arm64`.",
				Computed:            true,
			},
			"haproxy_version": schema.StringAttribute{
				MarkdownDescription: "The version of the installed HAProxy (for example `2.6.12-1+deb12u1`).",
				Computed:            true,
			},
			"agent_version": schema.StringAttribute{
				MarkdownDescription: "The version of the Switchyard agent running on the machine, which is the provider's own version.",
				Computed:            true,
			},
			"requests": schema.Int64Attribute{
				MarkdownDescription: "How many requests the agent has served in this provider run, this one included. " +
					"All resources of a provider block share one agent session, so this counts all of them.",
				Computed: true,
			},
			"reloads": schema.Int64Attribute{
				MarkdownDescription: "How many times the agent has reloaded HAProxy in this provider run. " +
					"Changes applied together share a reload, so this can be lower than the number of changed resources.",
				Computed: true,
			},
		},
	}
}

func (d *hostDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.machine = machineFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *hostDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.machine == nil {
		resp.Diagnostics.AddError("Unable to Read Host", "Could not read the machine's facts: "+errNotConfigured)
		return
	}
	var info api.HostInfo
	if err := d.machine.Call(ctx, api.MethodHostInfo, nil, &info); err != nil {
		resp.Diagnostics.AddError("Unable to Read Host", fmt.Sprintf("Could not read the machine's facts: %s", err))
		return
	}
	m := hostFromAPI(info)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func hostFromAPI(info api.HostInfo) hostModel {
	return hostModel{
		Hostname:       types.StringValue(info.Hostname),
		OS:             types.StringValue(info.OS),
		Kernel:         types.StringValue(info.Kernel),
		Arch:           types.StringValue(info.Arch),
		HAProxyVersion: types.StringValue(info.HAProxyVersion),
		AgentVersion:   types.StringValue(info.AgentVersion),
		Requests:       types.Int64Value(info.Requests),
		Reloads:        types.Int64Value(info.Reloads),
	}
}
