// Package nullprovider is the benchmark's second reference (issue 15): the
// Switchyard provider's own resource schemas, defaults, validators and plan
// modifiers, served through terraform-plugin-framework exactly like the real
// provider, but with CRUD that does no remote work: Create and Update copy
// the plan into the state, Read keeps the state, Delete forgets it. Timed
// next to terraform_data (Terraform's floor) and the real provider, it
// separates what Terraform costs, what the plugin protocol and the framework
// cost, and what Switchyard's own code, SSH and the agent cost.
//
// It is built only as its own binary (cmd/switchyard-nullprovider, by
// `make bench`): nothing in the real provider can switch it on.
package nullprovider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// New wraps the real provider's factory.
func New(real func() provider.Provider) func() provider.Provider {
	return func() provider.Provider { return &nullProvider{real: real()} }
}

type nullProvider struct{ real provider.Provider }

func (p *nullProvider) Metadata(ctx context.Context, req provider.MetadataRequest, resp *provider.MetadataResponse) {
	p.real.Metadata(ctx, req, resp)
}

func (p *nullProvider) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	p.real.Schema(ctx, req, resp)
}

// Configure does nothing: the real one only records how to reach the
// machine (it connects lazily), and no resource here uses it.
func (p *nullProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *nullProvider) Resources(ctx context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for _, f := range p.real.Resources(ctx) {
		out = append(out, func() resource.Resource { return &nullResource{real: f()} })
	}
	return out
}

// DataSources: none. The host data source reads the machine, which is the
// remote work this provider leaves out; the benchmark's configurations use
// no data source.
func (p *nullProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// nullResource serves a real resource's schema and plan-time behaviour.
// It implements every optional interface the real resources may have and
// delegates when the real one has it, so that validation and planning run
// the same code as with the real provider.
type nullResource struct{ real resource.Resource }

var (
	_ resource.ResourceWithValidateConfig   = (*nullResource)(nil)
	_ resource.ResourceWithConfigValidators = (*nullResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*nullResource)(nil)
	_ resource.ResourceWithImportState      = (*nullResource)(nil)
	_ resource.ResourceWithUpgradeState     = (*nullResource)(nil)
)

func (r *nullResource) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.real.Metadata(ctx, req, resp)
}

func (r *nullResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.real.Schema(ctx, req, resp)
}

func (r *nullResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	if v, ok := r.real.(resource.ResourceWithValidateConfig); ok {
		v.ValidateConfig(ctx, req, resp)
	}
}

func (r *nullResource) ConfigValidators(ctx context.Context) []resource.ConfigValidator {
	if v, ok := r.real.(resource.ResourceWithConfigValidators); ok {
		return v.ConfigValidators(ctx)
	}
	return nil
}

func (r *nullResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if m, ok := r.real.(resource.ResourceWithModifyPlan); ok {
		m.ModifyPlan(ctx, req, resp)
	}
}

func (r *nullResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if i, ok := r.real.(resource.ResourceWithImportState); ok {
		i.ImportState(ctx, req, resp)
		return
	}
	resp.Diagnostics.AddError("Import Not Supported", "this resource cannot be imported")
}

func (r *nullResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	if u, ok := r.real.(resource.ResourceWithUpgradeState); ok {
		return u.UpgradeState(ctx)
	}
	return nil
}

func (r *nullResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.State = known(req.Plan.Raw, resp.State)
}

// Read keeps the state as it is: there is no machine to drift.
func (r *nullResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (r *nullResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State = known(req.Plan.Raw, resp.State)
}

// Delete does nothing: the framework removes the state after it.
func (r *nullResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

// known is the plan as a state: values known only after apply (computed
// attributes the real provider fills in from the machine) become null,
// which Terraform accepts as the result of an apply.
func known(plan tftypes.Value, st tfsdk.State) tfsdk.State {
	v, err := tftypes.Transform(plan, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsKnown() {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		// Transform fails only on malformed values, which the framework
		// does not hand out; keep the plan so Terraform reports it.
		v = plan
	}
	st.Raw = v
	return st
}
