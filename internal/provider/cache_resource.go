package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                   = (*cacheResource)(nil)
	_ resource.ResourceWithConfigure      = (*cacheResource)(nil)
	_ resource.ResourceWithImportState    = (*cacheResource)(nil)
	_ resource.ResourceWithValidateConfig = (*cacheResource)(nil)
)

// cacheResource is switchyard_cache: one `cache` section, which
// `http-request cache-use` and `http-response cache-store` rules name.
type cacheResource struct {
	lifecycle[cacheModel, api.Cache]
}

// NewCacheResource is the switchyard_cache factory.
func NewCacheResource() resource.Resource {
	return &cacheResource{lifecycle[cacheModel, api.Cache]{kind: cacheKind}}
}

var cacheKind = kind[cacheModel, api.Cache]{
	title: "Cache", noun: "cache",
	typeName: "_cache", schema: cacheSchema,
	id:        func(m cacheModel) string { return m.Name.ValueString() },
	ref:       func(m cacheModel) any { return api.CacheRef{Name: m.Name.ValueString()} },
	getMethod: api.MethodCacheGet, createMethod: api.MethodCacheCreate,
	updateMethod: api.MethodCacheUpdate, deleteMethod: api.MethodCacheDelete,
	toWire: noWireDiags(func(m cacheModel) any { return cacheToAPI(m) }),
	fromWire: func(_ context.Context, prior *cacheModel, got api.Cache) (cacheModel, diag.Diagnostics) {
		m := cacheFromAPI(got)
		if prior == nil {
			m.ExtraLines = extraLinesState(true, false, got.ExtraLines)
			return m, nil
		}
		m.ExtraLines = keepLineOrder(prior.ExtraLines, extraLinesState(false, prior.ExtraLines != nil, got.ExtraLines))
		return m, nil
	},
	existsHint:  existsHint("a cache of that name already exists on the machine"),
	goneHint:    goneHint("it was"),
	importState: importName(grammar.ProxyName, "the cache's name as in haproxy.cfg, as in `terraform import switchyard_cache.static static`"),
}

type cacheModel struct {
	ID            types.String   `tfsdk:"id"`
	Name          types.String   `tfsdk:"name"`
	TotalMaxSize  types.Int64    `tfsdk:"total_max_size"`
	MaxObjectSize types.Int64    `tfsdk:"max_object_size"`
	MaxAge        types.Int64    `tfsdk:"max_age"`
	ExtraLines    []types.String `tfsdk:"extra_lines"` // nil: not managed
}

func cacheSchema() schema.Schema {
	name := cacheNameValidator()
	return schema.Schema{
		MarkdownDescription: "An HAProxy `cache` section: memory that keeps responses so that HAProxy answers repeated requests " +
			"itself. A backend (or frontend) uses it with two rules, in HAProxy's syntax: " +
			"`http_request = [\"cache-use NAME\"]` serves stored responses, and the http-response rule `cache-store NAME` " +
			"stores them. HAProxy decides what may be stored: on 2.6, a response with an explicit lifetime (`Cache-Control: max-age`, " +
			"`Expires`) or a validator (`Last-Modified`, `ETag`), never one with `Cache-Control: no-store` or `private`; " +
			"what it serves from the cache carries an `Age` header. See the traffic policies guide. " +
			"Every change reloads HAProxy, which empties the cache. Destroying the cache is refused while a rule uses it, " +
			"naming the rules, since HAProxy could not load its configuration without it.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The cache's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the cache, as in `cache <name>` and in the rules that use it, " + name.description +
					". Changing it replaces the cache. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{name},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"total_max_size": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Memory of the cache in megabytes (`total-max-size`), from 1 to %d. "+
					"It is required and has no default.", api.CacheMaxTotalSize),
				Required:   true,
				Validators: []validator.Int64{int64validator.Between(1, api.CacheMaxTotalSize)},
			},
			"max_object_size": schema.Int64Attribute{
				MarkdownDescription: "Largest response stored, in bytes (`max-object-size`), at most half of `total_max_size`. " +
					"Defaults to HAProxy's (a 256th of `total_max_size`).",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"max_age": schema.Int64Attribute{
				MarkdownDescription: "How long a stored response is served, in seconds (`max-age`), unless the response's own " +
					"`Cache-Control: max-age` is shorter. Defaults to HAProxy's 60.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"extra_lines": cacheExtraLinesAttribute(),
		},
	}
}

// ValidateConfig holds max_object_size to HAProxy's limit, which depends on
// total_max_size, so that it fails at plan time rather than at `haproxy -c`.
func (r *cacheResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m cacheModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.TotalMaxSize.IsUnknown() || m.TotalMaxSize.IsNull() || m.MaxObjectSize.IsUnknown() || m.MaxObjectSize.IsNull() {
		return
	}
	if limit := m.TotalMaxSize.ValueInt64() << 20 / 2; m.MaxObjectSize.ValueInt64() > limit {
		resp.Diagnostics.AddAttributeError(path.Root("max_object_size"), "Invalid Cache",
			fmt.Sprintf("max_object_size %d is more than half of total_max_size (%d MB = %d bytes): HAProxy refuses it. "+
				"Use at most %d, or a larger total_max_size.", m.MaxObjectSize.ValueInt64(), m.TotalMaxSize.ValueInt64(), limit*2, limit))
	}
}

func cacheToAPI(m cacheModel) api.Cache {
	return api.Cache{
		Name:          m.Name.ValueString(),
		TotalMaxSize:  m.TotalMaxSize.ValueInt64(),
		MaxObjectSize: m.MaxObjectSize.ValueInt64Pointer(),
		MaxAge:        m.MaxAge.ValueInt64Pointer(),
		ExtraLines:    extraLinesToAPI(m.ExtraLines),
	}
}

func cacheFromAPI(c api.Cache) cacheModel {
	return cacheModel{
		ID:            types.StringValue(c.Name),
		Name:          types.StringValue(c.Name),
		TotalMaxSize:  types.Int64Value(c.TotalMaxSize),
		MaxObjectSize: types.Int64PointerValue(c.MaxObjectSize),
		MaxAge:        types.Int64PointerValue(c.MaxAge),
	}
}
