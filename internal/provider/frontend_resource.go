package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                   = (*frontendResource)(nil)
	_ resource.ResourceWithConfigure      = (*frontendResource)(nil)
	_ resource.ResourceWithImportState    = (*frontendResource)(nil)
	_ resource.ResourceWithValidateConfig = (*frontendResource)(nil)
)

// ruleConds are the conditions of a use_backend rule.
var ruleConds = []string{"if", "unless"}

// frontendResource is switchyard_frontend: one `frontend` section.
type frontendResource struct {
	lifecycle[frontendModel, api.Frontend]
}

// NewFrontendResource is the switchyard_frontend factory.
func NewFrontendResource() resource.Resource {
	return &frontendResource{lifecycle[frontendModel, api.Frontend]{kind: frontendKind}}
}

var frontendKind = kind[frontendModel, api.Frontend]{
	title: "Frontend", noun: "frontend",
	typeName: "_frontend", schema: frontendSchema,
	id:        func(m frontendModel) string { return m.Name.ValueString() },
	ref:       func(m frontendModel) any { return api.FrontendRef{Name: m.Name.ValueString()} },
	getMethod: api.MethodFrontendGet, createMethod: api.MethodFrontendCreate,
	updateMethod: api.MethodFrontendUpdate, deleteMethod: api.MethodFrontendDelete,
	toWire: noWireDiags(func(m frontendModel) any { return frontendToAPI(m) }),
	fromWire: func(_ context.Context, prior *frontendModel, got api.Frontend) (frontendModel, diag.Diagnostics) {
		imported := prior == nil
		if prior == nil {
			prior = &frontendModel{}
		}
		m := frontendFromAPI(got, *prior)
		m.TCPRequest = tcpRequestKind.state(grammar.SectionFrontend, imported, prior.TCPRequest, got.TCPRequest)
		m.HTTPAfterResponse = httpAfterResponseKind.state(grammar.SectionFrontend, imported, prior.HTTPAfterResponse, got.HTTPAfterResponse)
		m.ExtraLines = extraLinesState(imported, prior.ExtraLines != nil, got.ExtraLines)
		return m, nil
	},
	existsHint:  existsHint("a frontend of that name already exists on the machine"),
	goneHint:    goneHint("it was"),
	importState: importName(grammar.ProxyName, "the frontend's name as in haproxy.cfg, as in `terraform import switchyard_frontend.web web`"),
}

type frontendModel struct {
	ID             types.String      `tfsdk:"id"`
	Name           types.String      `tfsdk:"name"`
	Mode           types.String      `tfsdk:"mode"`
	Maxconn        types.Int64       `tfsdk:"maxconn"`
	Forwardfor     types.Bool        `tfsdk:"forwardfor"`
	Httplog        types.Bool        `tfsdk:"httplog"`
	Binds          []bindModel       `tfsdk:"binds"`
	ACLs           []types.String    `tfsdk:"acls"`
	HTTPRequest    []types.String    `tfsdk:"http_request"`
	HTTPResponse   []types.String    `tfsdk:"http_response"`
	UseBackends    []useBackendModel `tfsdk:"use_backend"`
	DefaultBackend types.String      `tfsdk:"default_backend"`
	SharedBinds    types.Bool        `tfsdk:"shared_binds"`
	TCPRequest     []types.String    `tfsdk:"tcp_request"` // nil: not managed
	// HTTPAfterResponse nil: not managed.
	HTTPAfterResponse []types.String `tfsdk:"http_after_response"`

	// Traffic policies (issue 12).
	StickTable *stickTableModel `tfsdk:"stick_table"`
	ExtraLines []types.String   `tfsdk:"extra_lines"` // nil: not managed
}

type bindModel struct {
	Address        types.String `tfsdk:"address"`
	Port           types.Int64  `tfsdk:"port"`
	Namespace      types.String `tfsdk:"namespace"`
	SSLCertificate types.String `tfsdk:"ssl_certificate"`
	ALPN           types.String `tfsdk:"alpn"`
	SSLMinVer      types.String `tfsdk:"ssl_min_ver"`
}

type useBackendModel struct {
	Backend  types.String `tfsdk:"backend"`
	Cond     types.String `tfsdk:"cond"`
	CondTest types.String `tfsdk:"cond_test"`
}

var useBackendAttrTypes = map[string]attr.Type{
	"backend":   types.StringType,
	"cond":      types.StringType,
	"cond_test": types.StringType,
}

func frontendSchema() schema.Schema {
	name := haproxyNameValidator()
	emptyStrings := listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{}))
	return schema.Schema{
		MarkdownDescription: "An HAProxy `frontend` section: its `bind` lines, `acl` lines, `http-request` and `http-response` rules, " +
			"`use_backend` rules and `default_backend`, written in HAProxy's own syntax so that a haproxy.cfg translates line by line. " +
			"Rule lines are parsed with HAProxy's configuration parser at plan time, so a typo fails at `terraform validate`; " +
			"what only HAProxy can judge (an unknown fetch, a missing backend or userlist) fails at apply with HAProxy's message, " +
			"and the machine keeps serving its previous configuration.\n\n" +
			"**What is managed, what is left alone.** Within this section, the attributes below are managed: the binds and the " +
			"four rule lists are made exactly what the configuration says, in order. Other keywords of the section " +
			"(timeouts, `tcp-request` rules, captures, …) are kept as they are, and so is every section " +
			"of haproxy.cfg that this resource did not create (`global`, `defaults`, other frontends and backends). " +
			"A hand edit of a managed keyword shows up as a difference in the next plan. " +
			"A keyword no attribute covers can be written with `extra_lines`, the escape hatch; an attribute, where there is one, is preferred.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The frontend's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the frontend, as in `frontend <name>`, " + name.description +
					". Changing it replaces the frontend. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{name},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "Proxy mode: " + quotedList(backendModes) + ". " +
					"In `tcp` mode, `http_request`, `http_response`, `http_after_response`, `forwardfor` and `httplog`, which HAProxy ignores there with only a warning, are refused at plan time. " +
					inheritedDescription("mode", defaultMode, "the mode of the `defaults` section, else HAProxy's own default, `tcp`"),
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(backendModes...)},
				PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultMode)},
			},
			"maxconn": schema.Int64Attribute{
				MarkdownDescription: "Most concurrent connections the frontend accepts (`maxconn`), from 1 to 1000000. " +
					"Defaults to no `maxconn` keyword, which leaves the limit to the defaults section.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 1000000)},
			},
			"forwardfor": schema.BoolAttribute{
				MarkdownDescription: "Whether HAProxy adds an `X-Forwarded-For` header (`option forwardfor`). Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"httplog": schema.BoolAttribute{
				MarkdownDescription: "Whether the frontend logs HTTP requests in HAProxy's HTTP format (`option httplog`). Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"shared_binds": schema.BoolAttribute{
				MarkdownDescription: "Whether this frontend may bind an address and port that another frontend on the machine also binds. " +
					"HAProxy accepts that (every listener sets `SO_REUSEPORT`) and the kernel then splits the port's new connections " +
					"between the frontends, so by default an apply that would do it fails, naming both frontends and the address. " +
					"It is a setting of the apply, not a line of haproxy.cfg, so it is not read back. Defaults to `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"binds": schema.ListNestedAttribute{
				MarkdownDescription: "The addresses the frontend listens on, in the order of their `bind` lines. It is required and has no default.",
				Required:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"address": schema.StringAttribute{
							MarkdownDescription: "Address to listen on: `*` for every address, or " + addressValidator().description +
								". Defaults to none, `bind :PORT`, which also listens on every address: it is how many hand-written files say it, " +
								"and an imported `bind :80` reads back as null while `bind *:80` reads back as `*`, so neither plans a change.",
							Optional:   true,
							Validators: []validator.String{bindAddressValidator()},
						},
						"port": schema.Int64Attribute{
							MarkdownDescription: "TCP port to listen on, from 1 to 65535. It is required and has no default.",
							Required:            true,
							Validators:          []validator.Int64{int64validator.Between(1, 65535)},
						},
						"namespace": schema.StringAttribute{
							MarkdownDescription: "Network namespace to listen in (`namespace`), " + name.description + ". Defaults to HAProxy's own namespace.",
							Optional:            true,
							Validators:          []validator.String{name},
						},
						"ssl_certificate": schema.StringAttribute{
							MarkdownDescription: "Path on the machine of a PEM certificate with its key; when set, the bind terminates TLS " +
								"(`ssl crt <path>`). Defaults to plain HTTP.",
							Optional:   true,
							Validators: []validator.String{absolutePathValidator()},
						},
						"alpn": schema.StringAttribute{
							MarkdownDescription: "Protocols offered in the TLS handshake's ALPN (`alpn`), " + alpnValidator().description +
								"; `h2,http/1.1` lets clients speak HTTP/2. Only with `ssl_certificate`. Defaults to none (HTTP/1.1).",
							Optional:   true,
							Validators: []validator.String{alpnValidator()},
						},
						"ssl_min_ver": schema.StringAttribute{
							MarkdownDescription: "Oldest TLS version the bind accepts (`ssl-min-ver`): " + quotedList(grammar.SSLVersions) +
								". Only with `ssl_certificate`. Defaults to HAProxy's (`ssl-default-bind-options` of the global section).",
							Optional:   true,
							Validators: []validator.String{stringvalidator.OneOf(grammar.SSLVersions...)},
						},
					},
				},
			},
			"acls": schema.ListAttribute{
				MarkdownDescription: "Named ACLs, one `acl` line each without the keyword: `name criterion [value…]`, as in " +
					"`is_app3 path_beg /app3`. Defaults to no ACLs.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     emptyStrings,
				Validators:  []validator.List{ruleListValidator("each element is an ACL line", normalizeACL)},
			},
			"tcp_request":         tcpRequestKind.attribute(grammar.SectionFrontend),
			"http_after_response": httpAfterResponseKind.attribute(grammar.SectionFrontend),
			"extra_lines":         extraLinesAttribute(grammar.SectionFrontend),
			"http_request": schema.ListAttribute{
				MarkdownDescription: "`http-request` rules in order, each a line without the keyword, as in " +
					"`auth realm Members unless { http_auth(mycredentials) }`, or `redirect scheme https code 301 unless { ssl_fc }` " +
					"to send plain HTTP to HTTPS on a frontend that binds both. Defaults to no rules.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     emptyStrings,
				Validators:  []validator.List{ruleListValidator("each element is an http-request rule", normalizeRequestRule)},
			},
			"http_response": schema.ListAttribute{
				MarkdownDescription: "`http-response` rules in order, each a line without the keyword, as in " +
					"`set-header Strict-Transport-Security \"max-age=31536000\"` (HSTS) or `del-header Server`. " +
					"Quotes are kept as written. Defaults to no rules.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     emptyStrings,
				Validators:  []validator.List{ruleListValidator("each element is an http-response rule", normalizeResponseRule)},
			},
			"use_backend": schema.ListNestedAttribute{
				MarkdownDescription: "`use_backend` rules in order; the first that matches picks the backend. Defaults to no rules.",
				Optional:            true,
				Computed:            true,
				Default:             listdefault.StaticValue(types.ListValueMust(types.ObjectType{AttrTypes: useBackendAttrTypes}, []attr.Value{})),
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"backend": schema.StringAttribute{
							MarkdownDescription: "The backend: a name, or an expression such as `%[req.hdr(host),lower]` " +
								"that yields one per request. It is required and has no default.",
							Required:   true,
							Validators: []validator.String{backendRefValidator()},
						},
						"cond": schema.StringAttribute{
							MarkdownDescription: "Condition keyword: " + quotedList(ruleConds) + ", set together with `cond_test`. " +
								"Defaults to none: the rule always matches.",
							Optional:   true,
							Validators: []validator.String{stringvalidator.OneOf(ruleConds...)},
						},
						"cond_test": schema.StringAttribute{
							MarkdownDescription: "The condition, in HAProxy's syntax: ACL names, `!`, `||` and anonymous ACLs in braces, " +
								"as in `is_app3` or `{ path_beg /app3 }`. Defaults to none.",
							Optional:   true,
							Validators: []validator.String{condTestValidator()},
						},
					},
				},
			},
			"default_backend": schema.StringAttribute{
				MarkdownDescription: "Backend for requests no `use_backend` rule picked (`default_backend`), " + name.description +
					". Defaults to none: such requests get HAProxy's 503.",
				Optional:   true,
				Validators: []validator.String{name},
			},

			// Traffic policies (issue 12).
			"stick_table": stickTableAttribute("frontend"),
		},
	}
}

func bindAddressValidator() stringCheck {
	return stringCheck{
		description: "`*` or " + addressValidator().description,
		check: func(s string) error {
			if s == "*" {
				return nil
			}
			return checkAddress(s)
		},
	}
}

// backendRefValidator accepts a backend name or a `%[…]` expression.
func backendRefValidator() stringCheck {
	return stringCheck{
		description: "a backend name or a `%[…]` expression",
		check: func(s string) error {
			if strings.HasPrefix(s, "%[") {
				if !strings.HasSuffix(s, "]") || strings.ContainsAny(s, " \t\n\r#\"'\\") {
					return fmt.Errorf("%q: an expression is `%%[fetch,converter…]`, one word without quotes or '#'", s)
				}
				return nil
			}
			return grammar.ProxyName(s)
		},
	}
}

func condTestValidator() stringCheck {
	return stringCheck{
		description: "a condition on one line",
		check: func(s string) error {
			n, err := normalizeCondTest(s)
			if err == nil && n == "" {
				err = fmt.Errorf("must not be empty")
			}
			return err
		},
	}
}

var _ resource.ResourceWithModifyPlan = (*frontendResource)(nil)

// ModifyPlan refuses http-only settings on an adopted frontend that
// inherits tcp mode (see validateInheritedMode); ValidateConfig cannot, as
// only the machine knows the inherited mode.
func (r *frontendResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var name types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &name)...)
	validateInheritedMode(ctx, req.Config, req.Plan, &resp.Diagnostics, "frontend", name.ValueString(), frontendHTTPOnly,
		func() (string, error) {
			if r.machine == nil {
				return "", errors.New("not configured") // the apply reports it
			}
			var got api.Frontend
			err := r.machine.Call(ctx, api.MethodFrontendGet, api.FrontendRef{Name: name.ValueString()}, &got)
			return got.InheritedMode, err
		})
}

func (r *frontendResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	validateBindTLS(ctx, req, resp)
	validateTCPMode(ctx, req.Config, &resp.Diagnostics, "frontend", frontendHTTPOnly)
	var list types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("use_backend"), &list)...)
	if resp.Diagnostics.HasError() || list.IsNull() || list.IsUnknown() {
		return
	}
	var rules []useBackendModel
	resp.Diagnostics.Append(list.ElementsAs(ctx, &rules, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for i, u := range rules {
		if u.Cond.IsUnknown() || u.CondTest.IsUnknown() {
			continue
		}
		if u.Cond.IsNull() != u.CondTest.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("use_backend").AtListIndex(i), "Invalid use_backend Rule",
				"cond and cond_test are set together: cond = \"if\" or \"unless\", cond_test = the condition.")
		}
	}
}

func frontendToAPI(m frontendModel) api.Frontend {
	f := api.Frontend{
		Name:              m.Name.ValueString(),
		Mode:              m.Mode.ValueString(),
		Maxconn:           m.Maxconn.ValueInt64Pointer(),
		Forwardfor:        m.Forwardfor.ValueBool(),
		Httplog:           m.Httplog.ValueBool(),
		DefaultBackend:    m.DefaultBackend.ValueString(),
		SharedBinds:       m.SharedBinds.ValueBool(),
		Binds:             []api.Bind{},
		ACLs:              strs(m.ACLs),
		HTTPRequest:       strs(m.HTTPRequest),
		HTTPResponse:      strs(m.HTTPResponse),
		UseBackends:       []api.UseBackend{},
		TCPRequest:        rulesToAPI(m.TCPRequest),
		HTTPAfterResponse: rulesToAPI(m.HTTPAfterResponse),
		StickTable:        stickTableToAPI(m.StickTable),
		ExtraLines:        extraLinesToAPI(m.ExtraLines),
	}
	for _, b := range m.Binds {
		f.Binds = append(f.Binds, api.Bind{
			Address:        b.Address.ValueString(),
			Port:           b.Port.ValueInt64Pointer(),
			Namespace:      b.Namespace.ValueString(),
			SSLCertificate: b.SSLCertificate.ValueString(),
			ALPN:           b.ALPN.ValueString(),
			SSLMinVer:      b.SSLMinVer.ValueString(),
		})
	}
	for _, u := range m.UseBackends {
		f.UseBackends = append(f.UseBackends, api.UseBackend{
			Backend:  u.Backend.ValueString(),
			Cond:     u.Cond.ValueString(),
			CondTest: u.CondTest.ValueString(),
		})
	}
	return f
}

func frontendFromAPI(f api.Frontend, prior frontendModel) frontendModel {
	m := frontendModel{
		ID:             types.StringValue(f.Name),
		Name:           types.StringValue(f.Name),
		Mode:           stringOrNull(f.Mode),
		Maxconn:        types.Int64PointerValue(f.Maxconn),
		Forwardfor:     types.BoolValue(f.Forwardfor),
		Httplog:        types.BoolValue(f.Httplog),
		DefaultBackend: stringOrNull(f.DefaultBackend),
		// Not in the file: the configuration's choice, false after import.
		SharedBinds:  types.BoolValue(prior.SharedBinds.ValueBool()),
		Binds:        []bindModel{},
		ACLs:         tfStrs(keepSpelling(strs(prior.ACLs), f.ACLs, normalizeACL)),
		HTTPRequest:  tfStrs(keepSpelling(strs(prior.HTTPRequest), f.HTTPRequest, normalizeRequestRule)),
		HTTPResponse: tfStrs(keepSpelling(strs(prior.HTTPResponse), f.HTTPResponse, normalizeResponseRule)),
		UseBackends:  []useBackendModel{},
		StickTable:   stickTableFromAPI(prior.StickTable, f.StickTable),
	}
	for _, b := range f.Binds {
		m.Binds = append(m.Binds, bindModel{
			Address:        stringOrNull(b.Address),
			Port:           types.Int64PointerValue(b.Port),
			Namespace:      stringOrNull(b.Namespace),
			SSLCertificate: stringOrNull(b.SSLCertificate),
			ALPN:           stringOrNull(b.ALPN),
			SSLMinVer:      stringOrNull(b.SSLMinVer),
		})
	}
	var priorTests []string
	for _, u := range prior.UseBackends {
		priorTests = append(priorTests, u.CondTest.ValueString())
	}
	var liveTests []string
	for _, u := range f.UseBackends {
		liveTests = append(liveTests, u.CondTest)
	}
	tests := keepSpelling(priorTests, liveTests, normalizeCondTest)
	for i, u := range f.UseBackends {
		m.UseBackends = append(m.UseBackends, useBackendModel{
			Backend:  types.StringValue(u.Backend),
			Cond:     stringOrNull(u.Cond),
			CondTest: stringOrNull(tests[i]),
		})
	}
	return m
}

func strs(vs []types.String) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.ValueString())
	}
	return out
}

func tfStrs(vs []string) []types.String {
	out := make([]types.String, 0, len(vs))
	for _, v := range vs {
		out = append(out, types.StringValue(v))
	}
	return out
}

func alpnValidator() stringCheck {
	return stringCheck{description: grammar.ALPNDescription, check: grammar.ALPN}
}

// validateBindTLS refuses TLS options on a bind that does not terminate
// TLS: HAProxy would ignore them, and the reader of the configuration
// would believe otherwise.
func validateBindTLS(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var list types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("binds"), &list)...)
	if resp.Diagnostics.HasError() || list.IsNull() || list.IsUnknown() {
		return
	}
	var binds []bindModel
	resp.Diagnostics.Append(list.ElementsAs(ctx, &binds, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for i, b := range binds {
		if b.SSLCertificate.IsNull() && (!b.ALPN.IsNull() || !b.SSLMinVer.IsNull()) {
			resp.Diagnostics.AddAttributeError(path.Root("binds").AtListIndex(i), "Invalid Bind",
				fmt.Sprintf("Bind %d: alpn and ssl_min_ver apply to TLS; set ssl_certificate too, or remove them.", i))
		}
	}
}
