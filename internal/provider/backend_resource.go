package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                = (*backendResource)(nil)
	_ resource.ResourceWithConfigure   = (*backendResource)(nil)
	_ resource.ResourceWithImportState = (*backendResource)(nil)
)

// Defaults of the backend's attributes. They are written into haproxy.cfg
// explicitly rather than left to the defaults section, so that what the
// plan shows is what the machine runs.
const (
	defaultMode    = "http"
	defaultBalance = "roundrobin"
	// defaultDrainTimeout is api.DefaultDrainTimeout as the attribute says it.
	defaultDrainTimeout = "30s"
)

// dynamicBalances are the balance algorithms that can add and remove
// servers at runtime, for the docs (api.DynamicBalance decides).
func dynamicBalances() []string {
	var out []string
	for _, a := range balanceAlgorithms {
		if api.DynamicBalance(a) {
			out = append(out, a)
		}
	}
	return out
}

// backendModes are the proxy modes a backend may have.
var backendModes = []string{"http", "tcp"}

// backendResource is switchyard_backend: one `backend` section of
// haproxy.cfg with its `server` lines.
type backendResource struct {
	lifecycle[backendModel, api.Backend]
}

// NewBackendResource is the switchyard_backend factory.
func NewBackendResource() resource.Resource { return newBackendResource(nil) }

func newBackendResource(m caller) *backendResource {
	return &backendResource{lifecycle[backendModel, api.Backend]{machine: m, kind: backendKind}}
}

var backendKind = kind[backendModel, api.Backend]{
	title: "Backend", noun: "backend",
	typeName: "_backend", schema: backendSchema,
	id:        func(m backendModel) string { return m.Name.ValueString() },
	ref:       func(m backendModel) any { return api.BackendRef{Name: m.Name.ValueString()} },
	getMethod: api.MethodBackendGet, createMethod: api.MethodBackendCreate,
	updateMethod: api.MethodBackendUpdate, deleteMethod: api.MethodBackendDelete,
	toWire: noWireDiags(func(m backendModel) any { return backendToAPI(m) }),
	fromWire: func(_ context.Context, prior *backendModel, got api.Backend) (backendModel, diag.Diagnostics) {
		return managedBackend(prior, backendFromAPI(got)), nil
	},
	existsHint: existsHint("a backend of that name already exists on the machine"),
	goneHint:   goneHint("it was"),
	importState: func(id string) (map[string]string, error) {
		name, err := parseBackendImportID(id)
		return map[string]string{"name": name, "id": name}, err
	},
}

type backendModel struct {
	ID           types.String    `tfsdk:"id"`
	Name         types.String    `tfsdk:"name"`
	Mode         types.String    `tfsdk:"mode"`
	Balance      types.String    `tfsdk:"balance"`
	Servers      []serverModel   `tfsdk:"servers"`
	HTTPRequest  types.List      `tfsdk:"http_request"`
	HTTPResponse types.List      `tfsdk:"http_response"`
	HTTPCheck    *httpCheckModel `tfsdk:"http_check"`
	// Optional rule lists (rulekinds.go), nil: not managed.
	TCPRequest        []types.String `tfsdk:"tcp_request"`
	TCPResponse       []types.String `tfsdk:"tcp_response"`
	HTTPAfterResponse []types.String `tfsdk:"http_after_response"`
	// DrainTimeout is the agent's behaviour, not haproxy.cfg's: a read
	// keeps the state's value, an import gets the default.
	DrainTimeout types.String `tfsdk:"drain_timeout"`
	BackendResilience

	// Traffic policies (issue 12).
	StickTable *stickTableModel `tfsdk:"stick_table"`
	ExtraLines []types.String   `tfsdk:"extra_lines"` // nil: not managed
}

type httpCheckModel struct {
	Method types.String `tfsdk:"method"`
	URI    types.String `tfsdk:"uri"`
}

type serverModel struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	Port       types.Int64  `tfsdk:"port"`
	Check      types.Bool   `tfsdk:"check"`
	Weight     types.Int64  `tfsdk:"weight"`
	Backup     types.Bool   `tfsdk:"backup"`
	Namespace  types.String `tfsdk:"namespace"`
	Inter      types.String `tfsdk:"inter"`
	Maxconn    types.Int64  `tfsdk:"maxconn"`
	AdminState types.String `tfsdk:"admin_state"`
	ServerResilience
}

// serverAttrTypes is one element of servers; the default empty list needs it
// before there is a schema to ask (a test checks the two agree).
var serverAttrTypes = withAttrTypes(serverResilienceAttrTypes, map[string]attr.Type{
	"name":        types.StringType,
	"address":     types.StringType,
	"port":        types.Int64Type,
	"check":       types.BoolType,
	"weight":      types.Int64Type,
	"backup":      types.BoolType,
	"namespace":   types.StringType,
	"inter":       types.StringType,
	"maxconn":     types.Int64Type,
	"admin_state": types.StringType,
})

func withAttrTypes(more, base map[string]attr.Type) map[string]attr.Type {
	maps.Copy(base, more)
	return base
}

func backendSchema() schema.Schema {
	s := backendBaseSchema()
	maps.Copy(s.Attributes, backendResilienceAttributes())
	servers := s.Attributes["servers"].(schema.ListNestedAttribute)
	maps.Copy(servers.NestedObject.Attributes, serverResilienceAttributes())
	s.Attributes["servers"] = servers
	return s
}

func backendBaseSchema() schema.Schema {
	name := haproxyNameValidator()
	return schema.Schema{
		MarkdownDescription: "An HAProxy `backend` section with its `server` lines. " +
			"Every change is checked with `haproxy -c` on the machine before it is written, then applied with one graceful reload " +
			"(except what HAProxy can change at runtime, which goes live through its runtime API without a reload: servers' `weight`, `admin_state`, " +
			"an IP address or port, and, with a dynamic `balance`, adding and removing servers; see the zero-downtime guide); " +
			"if HAProxy rejects it, nothing changes and the error shows HAProxy's message. " +
			"A backend edited or deleted by hand shows up as a difference in the next plan. " +
			"A keyword no attribute covers can be written with `extra_lines`, the escape hatch; an attribute, where there is one, is preferred.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The backend's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the backend, as in `backend <name>` and `use_backend <name>`, " +
					name.description + ". Changing it replaces the backend. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{name},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "Proxy mode: " + quotedList(backendModes) + ". " +
					"In `tcp` mode, `http_request`, `http_response`, `http_after_response`, `retry_on` and servers' `observe = \"layer7\"`, which HAProxy ignores or refuses there, are refused at plan time. " +
					inheritedDescription("mode", defaultMode, "the mode of the `defaults` section, else HAProxy's own default, `tcp`"),
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(backendModes...)},
				PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultMode)},
			},
			"balance": schema.StringAttribute{
				MarkdownDescription: "Load-balancing algorithm (`balance`): " + quotedList(balanceAlgorithms) + ". " +
					"Only the algorithm is managed: arguments that a section already has (`hdr(host)`, `url_param userid`, `uri whole`) " +
					"are kept while the algorithm stays the same, so `hdr` and `url_param`, which HAProxy accepts only with an argument, " +
					"can be managed on an imported backend but not yet created. " +
					inheritedDescription("balance", defaultBalance, "the `balance` of the `defaults` section, else HAProxy's own default, `roundrobin`"),
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(balanceAlgorithms...)},
				PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultBalance)},
			},
			"drain_timeout": schema.StringAttribute{
				MarkdownDescription: "How long an update that removes servers without a reload lets their sessions finish, " + haproxyTimeoutValidator().description + ". " +
					"A server removed at runtime is first drained (no new connections; established ones go on), and once it has no sessions left, " +
					"or this much time has passed, it is put in maintenance, its remaining sessions are cut, and it is deleted (`del server`). " +
					"The apply waits for the drain. A removal that goes through a reload needs no drain: the old HAProxy workers finish their requests. " +
					"It is Switchyard's behaviour, not part of haproxy.cfg, so it is never read from the machine (an import sets the default). " +
					"Defaults to `" + defaultDrainTimeout + "`.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(defaultDrainTimeout),
				Validators: []validator.String{haproxyTimeoutValidator()},
			},
			"servers": schema.ListNestedAttribute{
				MarkdownDescription: "The backend's servers, in the order of their `server` lines. " +
					"With a dynamic `balance` (" + quotedList(dynamicBalances()) + "), adding and removing servers goes live without a reload " +
					"(`add server`, and `del server` after a drain bounded by `drain_timeout`), and is written to haproxy.cfg in the same change, " +
					"as long as the servers that stay keep their order and every added server has an IP address and no `namespace` " +
					"(`add server` in HAProxy 2.6 resolves no host name and takes no namespace); " +
					"otherwise the change reloads, and the plan says so. Defaults to no servers.",
				Optional:   true,
				Computed:   true,
				Default:    listdefault.StaticValue(types.ListValueMust(types.ObjectType{AttrTypes: serverAttrTypes}, []attr.Value{})),
				Validators: []validator.List{uniqueServerNames{}},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "Name of the server, unique within the backend and " + name.description + ". It is required and has no default.",
							Required:            true,
							Validators:          []validator.String{name},
						},
						"address": schema.StringAttribute{
							MarkdownDescription: "Address of the server: " + addressValidator().description + ". " +
								"A host name is resolved by HAProxy on the machine when the configuration is checked. It is required and has no default.",
							Required:   true,
							Validators: []validator.String{addressValidator()},
						},
						"port": schema.Int64Attribute{
							MarkdownDescription: "TCP port of the server, from 1 to 65535. A change of port, or of an IP `address`, of a server that stays goes live " +
								"through the runtime API (`set server … addr`), without a reload. " +
								"Defaults to none: a `server` line without a port (`server s1 10.0.0.1`), which HAProxy connects to on the port the client connected to.",
							Optional:   true,
							Validators: []validator.Int64{int64validator.Between(1, 65535)},
						},
						"check": schema.BoolAttribute{
							MarkdownDescription: "Whether HAProxy health-checks the server (`check`). Defaults to `false`.",
							Optional:            true,
							Computed:            true,
							Default:             booldefault.StaticBool(false),
						},
						"weight": schema.Int64Attribute{
							MarkdownDescription: "Weight of the server relative to the others, from 0 to 256 (`weight`); " +
								"0 sends it no new traffic. Defaults to no `weight` keyword, which HAProxy treats as 1.",
							Optional:   true,
							Validators: []validator.Int64{int64validator.Between(0, 256)},
						},
						"backup": schema.BoolAttribute{
							MarkdownDescription: "Whether the server only takes traffic when no other server is up (`backup`). Defaults to `false`.",
							Optional:            true,
							Computed:            true,
							Default:             booldefault.StaticBool(false),
						},
						"namespace": schema.StringAttribute{
							MarkdownDescription: "Network namespace HAProxy connects to the server in (`namespace`), for an application " +
								"that runs in its own namespace; the name is " + name.description + ". The namespace must exist on the machine. " +
								"Defaults to HAProxy's own namespace.",
							Optional:   true,
							Validators: []validator.String{name},
						},
						"inter": schema.StringAttribute{
							MarkdownDescription: "Interval between two health checks of the server (`inter`), " + haproxyTimeoutValidator().description + ". " +
								"It is compared in milliseconds, so `1s` and `1000ms` are the same. " +
								"Defaults to not managed: the `server` line keeps whatever `inter` it has.",
							Optional:   true,
							Validators: []validator.String{haproxyTimeoutValidator()},
						},
						"maxconn": schema.Int64Attribute{
							MarkdownDescription: "Most concurrent connections HAProxy opens to the server (`maxconn`), at least 1. " +
								"Defaults to not managed: the `server` line keeps whatever `maxconn` it has.",
							Optional:   true,
							Validators: []validator.Int64{int64validator.Between(1, math.MaxInt32)},
						},
						"admin_state": schema.StringAttribute{
							MarkdownDescription: "Administrative state of the server, in HAProxy's runtime API words: " + quotedList(api.ServerAdminStates) + ". " +
								"`drain` takes no new connections and lets established ones finish; `maint` takes no traffic at all and stops its health checks. " +
								"A change of `admin_state` or `weight` alone (of servers that stay) goes live through the runtime API (`set server`), with no reload, " +
								"and is written to haproxy.cfg in the same change so a later reload keeps it: `maint` as the `disabled` keyword; " +
								"`drain`, which haproxy.cfg cannot say in HAProxy 2.6, as `weight 0` (the configured weight is kept by the running HAProxy, and set again after every reload Switchyard does). " +
								"It is read from the running HAProxy, so a state set by hand on the admin socket shows as a difference; " +
								"a server that its health check marks DOWN is not a difference (that is operational state, not configuration). " +
								"Defaults to `" + api.AdminReady + "`.",
							Optional:   true,
							Computed:   true,
							Default:    stringdefault.StaticString(api.AdminReady),
							Validators: []validator.String{stringvalidator.OneOf(api.ServerAdminStates...)},
						},
					},
				},
			},
			"http_request": schema.ListAttribute{
				MarkdownDescription: "`http-request` rules of the backend in order, each a line without the keyword, as in " +
					"`set-header X-Forwarded-Proto https`; they are checked like switchyard_frontend's. " +
					"An empty list removes every rule. Defaults to not managed: the section's rules are left as they are.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.List{ruleListValidator("each element is an http-request rule", normalizeRequestRule)},
			},
			"http_response": schema.ListAttribute{
				MarkdownDescription: "`http-response` rules of the backend in order, each a line without the keyword, as in " +
					"`set-header Strict-Transport-Security \"max-age=31536000\"`; they are checked like switchyard_frontend's. " +
					"A change reloads HAProxy. An empty list removes every rule. Defaults to not managed: the section's rules are left as they are.",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.List{ruleListValidator("each element is an http-response rule", normalizeResponseRule)},
			},
			"tcp_request":         tcpRequestKind.attribute(grammar.SectionBackend),
			"tcp_response":        tcpResponseKind.attribute(grammar.SectionBackend),
			"http_after_response": httpAfterResponseKind.attribute(grammar.SectionBackend),
			"http_check": schema.SingleNestedAttribute{
				MarkdownDescription: "HTTP health check of the servers that have `check` (`option httpchk METHOD URI`). " +
					"Removing the block stops managing it rather than removing it. " +
					"Defaults to not managed: the section keeps whatever check it has.",
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"method": schema.StringAttribute{
						MarkdownDescription: "HTTP method of the check: " + quotedList(api.HTTPCheckMethods) + ". " +
							inheritedDescription("method", defaultCheckMethod, "HAProxy's own default, `OPTIONS`"),
						Optional:      true,
						Computed:      true,
						Validators:    []validator.String{stringvalidator.OneOf(api.HTTPCheckMethods...)},
						PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultCheckMethod)},
					},
					"uri": schema.StringAttribute{
						MarkdownDescription: "Path the check requests, starting with `/` and without spaces. " +
							inheritedDescription("uri", defaultCheckURI, "HAProxy's own default, `/`"),
						Optional:      true,
						Computed:      true,
						Validators:    []validator.String{checkURIValidator()},
						PlanModifiers: []planmodifier.String{inheritedOrDefault(defaultCheckURI)},
					},
				},
			},

			// Traffic policies (issue 12).
			"stick_table": stickTableAttribute("backend"),
			"extra_lines": extraLinesAttribute(grammar.SectionBackend),
		},
	}
}

// Defaults of http_check.
const (
	defaultCheckMethod = "GET"
	defaultCheckURI    = "/"
)

// checkURIValidator accepts the one-word path of `option httpchk`.
func checkURIValidator() stringCheck {
	return stringCheck{
		description: "a path starting with `/`, without spaces",
		check: func(s string) error {
			if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, " \t\r\n#") {
				return fmt.Errorf("%q must start with '/' and contain no spaces or '#'", s)
			}
			return nil
		},
	}
}

// parseBackendImportID reads an import id, which is the backend's name: a
// backend needs nothing else to be found, because one provider block is one
// machine.
func parseBackendImportID(id string) (string, error) {
	if err := grammar.ProxyName(id); err != nil {
		return "", fmt.Errorf("import id: %v. Expected the backend's name as in haproxy.cfg, as in "+
			"`terraform import switchyard_backend.web web`", err)
	}
	return id, nil
}

// managedBackend nulls, in live, the settings that are null in prior (not
// managed, whatever the machine has), and keeps prior's spelling of rules and
// durations that mean the same as the machine's.
func managedBackend(prior *backendModel, live backendModel) backendModel {
	live.DrainTimeout = types.StringValue(defaultDrainTimeout)
	if prior != nil && !prior.DrainTimeout.IsNull() && !prior.DrainTimeout.IsUnknown() {
		live.DrainTimeout = prior.DrainTimeout
	}
	if prior == nil {
		// Just imported: what the machine has is managed, and a section
		// without rules reads as not managing them, so importing a plain
		// hand-written backend with a configuration that omits
		// http_request plans no change.
		if len(live.HTTPRequest.Elements()) == 0 {
			live.HTTPRequest = types.ListNull(types.StringType)
		}
		if len(live.HTTPResponse.Elements()) == 0 {
			live.HTTPResponse = types.ListNull(types.StringType)
		}
		return live // ExtraLines: null when the section has none
	}
	live.ExtraLines = extraLinesState(false, prior.ExtraLines != nil, extraLinesToAPI(live.ExtraLines))
	live.HTTPRequest = managedRules(prior.HTTPRequest, live.HTTPRequest, normalizeRequestRule)
	live.HTTPResponse = managedRules(prior.HTTPResponse, live.HTTPResponse, normalizeResponseRule)
	live.TCPRequest = tcpRequestKind.state(grammar.SectionBackend, false, prior.TCPRequest, rulesToAPI(live.TCPRequest))
	live.TCPResponse = tcpResponseKind.state(grammar.SectionBackend, false, prior.TCPResponse, rulesToAPI(live.TCPResponse))
	live.HTTPAfterResponse = httpAfterResponseKind.state(grammar.SectionBackend, false, prior.HTTPAfterResponse, rulesToAPI(live.HTTPAfterResponse))
	if prior.HTTPCheck == nil {
		live.HTTPCheck = nil
	}
	live.BackendResilience = managedResilience(prior.BackendResilience, live.BackendResilience)
	live.StickTable = stickTableFromAPI(prior.StickTable, stickTableToAPI(live.StickTable))
	before := map[string]serverModel{}
	for _, s := range prior.Servers {
		before[s.Name.ValueString()] = s
	}
	for i, s := range live.Servers {
		p, ok := before[s.Name.ValueString()]
		switch {
		case !ok || p.Inter.IsNull():
			s.Inter = types.StringNull()
		case !s.Inter.IsNull():
			ms, _ := timeoutMillis(s.Inter.ValueString())
			s.Inter = timeoutValue(p.Inter, &ms)
		}
		if !ok || p.Maxconn.IsNull() {
			s.Maxconn = types.Int64Null()
		}
		s.ServerResilience = managedServerResilience(p.ServerResilience, ok, s.ServerResilience)
		live.Servers[i] = s
	}
	return live
}

// managedRules is null when prior does not manage the rules, else live in
// prior's spelling where it means the same.
func managedRules(prior, live types.List, normalize func(string) (string, error)) types.List {
	switch {
	case prior.IsNull():
		return types.ListNull(types.StringType)
	case live.IsNull():
		return live
	default:
		return stringList(keepSpelling(listStrings(prior), listStrings(live), normalize))
	}
}

func listStrings(l types.List) []string {
	out := []string{}
	for _, e := range l.Elements() {
		if s, ok := e.(types.String); ok {
			out = append(out, s.ValueString())
		}
	}
	return out
}

func stringList(vs []string) types.List {
	elems := make([]attr.Value, 0, len(vs))
	for _, v := range vs {
		elems = append(elems, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, elems)
}

// backendToAPI turns a plan into the agent's request. Nulls become "not set"
// (empty strings and nil pointers), which is how api.Backend says "no such
// keyword on the line".
func backendToAPI(m backendModel) api.Backend {
	b := api.Backend{
		Name:    m.Name.ValueString(),
		Mode:    m.Mode.ValueString(),
		Balance: m.Balance.ValueString(),
		Servers: make([]api.Server, 0, len(m.Servers)),
	}
	for _, s := range m.Servers {
		srv := api.Server{
			Name:       s.Name.ValueString(),
			Address:    s.Address.ValueString(),
			Port:       s.Port.ValueInt64Pointer(),
			Check:      s.Check.ValueBool(),
			Weight:     s.Weight.ValueInt64Pointer(),
			Backup:     s.Backup.ValueBool(),
			Namespace:  s.Namespace.ValueString(),
			Maxconn:    s.Maxconn.ValueInt64Pointer(),
			AdminState: s.AdminState.ValueString(),
		}
		serverResilienceToAPI(&srv, s.ServerResilience)
		if srv.AdminState == api.AdminReady {
			srv.AdminState = "" // the wire's default
		}
		// Validated at plan time, so it parses.
		if ms, err := timeoutMillis(s.Inter.ValueString()); !s.Inter.IsNull() && err == nil {
			srv.Inter = &ms
		}
		b.Servers = append(b.Servers, srv)
	}
	if !m.HTTPRequest.IsNull() && !m.HTTPRequest.IsUnknown() {
		lines := listStrings(m.HTTPRequest)
		b.HTTPRequest = &lines
	}
	if !m.HTTPResponse.IsNull() && !m.HTTPResponse.IsUnknown() {
		lines := listStrings(m.HTTPResponse)
		b.HTTPResponse = &lines
	}
	b.TCPRequest = rulesToAPI(m.TCPRequest)
	b.TCPResponse = rulesToAPI(m.TCPResponse)
	b.HTTPAfterResponse = rulesToAPI(m.HTTPAfterResponse)
	if c := m.HTTPCheck; c != nil {
		b.HTTPCheck = &api.HTTPCheck{Method: c.Method.ValueString(), URI: c.URI.ValueString()}
	}
	b.StickTable = stickTableToAPI(m.StickTable)
	b.ExtraLines = extraLinesToAPI(m.ExtraLines)
	if ms, err := timeoutMillis(m.DrainTimeout.ValueString()); !m.DrainTimeout.IsNull() && err == nil {
		b.DrainTimeout = &ms
	}
	backendResilienceToAPI(&b, m.BackendResilience)
	return b
}

// backendFromAPI is the inverse of backendToAPI: a keyword missing from the
// section is null, except the booleans, whose absence is false. A section
// without `mode` or `balance` (written by hand) therefore reads as null: on
// an imported backend the plan keeps it so (see inheritedOrDefault).
func backendFromAPI(b api.Backend) backendModel {
	m := backendModel{
		ID:      types.StringValue(b.Name),
		Name:    types.StringValue(b.Name),
		Mode:    stringOrNull(b.Mode),
		Balance: stringOrNull(b.Balance),
		Servers: make([]serverModel, 0, len(b.Servers)),
	}
	for _, s := range b.Servers {
		m.Servers = append(m.Servers, serverModel{
			Name:       types.StringValue(s.Name),
			Address:    types.StringValue(s.Address),
			Port:       types.Int64PointerValue(s.Port),
			Check:      types.BoolValue(s.Check),
			Weight:     types.Int64PointerValue(s.Weight),
			Backup:     types.BoolValue(s.Backup),
			Namespace:  stringOrNull(s.Namespace),
			Inter:      timeoutValue(types.StringNull(), s.Inter),
			Maxconn:    types.Int64PointerValue(s.Maxconn),
			AdminState: types.StringValue(cmp.Or(s.AdminState, api.AdminReady)),

			ServerResilience: serverResilienceFromAPI(s),
		})
	}
	m.HTTPRequest = types.ListNull(types.StringType)
	if b.HTTPRequest != nil {
		m.HTTPRequest = stringList(*b.HTTPRequest)
	}
	m.HTTPResponse = types.ListNull(types.StringType)
	if b.HTTPResponse != nil {
		m.HTTPResponse = stringList(*b.HTTPResponse)
	}
	// As imported: what the section has is managed, none is not managed.
	m.TCPRequest = tcpRequestKind.state(grammar.SectionBackend, true, nil, b.TCPRequest)
	m.TCPResponse = tcpResponseKind.state(grammar.SectionBackend, true, nil, b.TCPResponse)
	m.HTTPAfterResponse = httpAfterResponseKind.state(grammar.SectionBackend, true, nil, b.HTTPAfterResponse)
	if c := b.HTTPCheck; c != nil {
		// `option httpchk` alone says neither: null, HAProxy's own defaults.
		m.HTTPCheck = &httpCheckModel{Method: stringOrNull(c.Method), URI: stringOrNull(c.URI)}
	}
	m.StickTable = stickTableFromAPI(nil, b.StickTable)
	m.ExtraLines = extraLinesState(true, false, b.ExtraLines)
	// The agent never sends it (managedBackend fills it in); mapped for
	// the symmetry of the two directions.
	m.DrainTimeout = timeoutValue(types.StringNull(), b.DrainTimeout)
	m.BackendResilience = backendResilienceFromAPI(b)
	return m
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

var _ resource.ResourceWithModifyPlan = (*backendResource)(nil)

// ModifyPlan says in the plan when an update will reload HAProxy: only
// what HAProxy can change at runtime goes live (servers' weight,
// admin_state, address and port, and adding and removing servers where
// api.ServerListBlockers allows), and someone draining servers should not
// learn from the apply that a change they made alongside costs a reload. Creates and deletes always
// reload and say so in the resource's description; they get no warning, or
// a plan of many backends would drown in them.
func (r *backendResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	// Only the name is needed before the comparison: decoding the whole
	// plan and state into models (reflection over every attribute and
	// server) is most of this method's cost, and a no-change plan, the
	// common case of a plan of many backends, needs neither.
	var name types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &name)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateInheritedMode(ctx, req.Config, req.Plan, &resp.Diagnostics, "backend", name.ValueString(), backendHTTPOnly,
		func() (string, error) {
			if r.machine == nil {
				return "", errors.New("not configured") // the apply reports it
			}
			var got api.Backend
			err := r.machine.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: name.ValueString()}, &got)
			return got.InheritedMode, err
		})
	if req.Plan.Raw.Equal(req.State.Raw) {
		return // no change: reloadReasons of a backend and itself is none
	}
	var plan, state backendModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	reasons := reloadReasons(backendToAPI(state), backendToAPI(plan))
	if len(reasons) == 0 {
		return
	}
	verb := "reloads"
	if !req.Plan.Raw.IsFullyKnown() {
		verb = "may reload" // a value known only at apply time
	}
	resp.Diagnostics.AddWarning("Change Reloads HAProxy", fmt.Sprintf(
		"The update of backend %q %s HAProxy on the machine, because of %s: HAProxy cannot change that at runtime. "+
			"The reload is graceful and shared by every change of the apply wave. "+
			"Servers' weight, admin_state, IP address and port, and adding and removing servers on a dynamic balance, go live through the runtime API, without a reload.",
		plan.Name.ValueString(), verb, strings.Join(reasons, ", ")))
}

// reloadReasons names what differs between two backends besides what the
// agent changes at runtime (see internal/agent/haproxy/serverstate.go):
// servers' weight and admin state, a live address or port, and a server list
// that api.ServerListBlockers lets change; none means no reload.
func reloadReasons(from, to api.Backend) []string {
	var out []string
	if from.Mode != to.Mode {
		out = append(out, "mode")
	}
	if from.Balance != to.Balance {
		out = append(out, "balance")
	}
	if !reflect.DeepEqual(from.HTTPRequest, to.HTTPRequest) {
		out = append(out, "http_request")
	}
	if !reflect.DeepEqual(from.HTTPResponse, to.HTTPResponse) {
		out = append(out, "http_response")
	}
	for _, r := range []struct {
		attr     string
		from, to *[]string
	}{
		{tcpRequestKind.attr, from.TCPRequest, to.TCPRequest},
		{tcpResponseKind.attr, from.TCPResponse, to.TCPResponse},
		{httpAfterResponseKind.attr, from.HTTPAfterResponse, to.HTTPAfterResponse},
	} {
		if r.to != nil && !reflect.DeepEqual(r.from, r.to) {
			out = append(out, r.attr)
		}
	}
	if !reflect.DeepEqual(from.HTTPCheck, to.HTTPCheck) {
		out = append(out, "http_check")
	}
	out = append(out, resilienceReloadReasons(from, to)...)
	if !reflect.DeepEqual(from.StickTable, to.StickTable) {
		out = append(out, "stick_table")
	}
	if to.ExtraLines != nil && !reflect.DeepEqual(from.ExtraLines, to.ExtraLines) {
		out = append(out, "extra_lines")
	}
	out = append(out, api.ServerListBlockers(from, to)...)
	before := map[string]api.Server{}
	for _, s := range from.Servers {
		before[s.Name] = s
	}
	for _, s := range to.Servers {
		a, ok := before[s.Name]
		if !ok {
			continue
		}
		b := s
		a.Weight, b.Weight, a.AdminState, b.AdminState = nil, nil, "", ""
		if api.LiveAddress(a, b) {
			a.Address, a.Port = b.Address, b.Port
		}
		if !reflect.DeepEqual(a, b) {
			out = append(out, fmt.Sprintf("server %q", s.Name))
		}
	}
	return out
}
