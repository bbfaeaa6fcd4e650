package provider

import (
	"context"
	"fmt"
	"math"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Circuit breaking and retries (issue 12): the backend's retries,
// retry_on, redispatch and timeouts, and the servers' observe, error_limit,
// on_error, rise and fall. Each is optional and null means not managed:
// the section keeps what it has (a value inherited from defaults stays
// inherited), and an import reads what the file says. None can change at
// runtime, so a change reloads.

// BackendResilience is embedded in backendModel (exported, so that go-cmp
// can compare models in tests).
type BackendResilience struct {
	Retries types.Int64 `tfsdk:"retries"`
	// RetryOn is a slice, not a types.List, so that the zero value is
	// null (not managed) wherever a model is built field by field.
	RetryOn        []types.String `tfsdk:"retry_on"`
	Redispatch     types.Bool     `tfsdk:"redispatch"`
	TimeoutServer  types.String   `tfsdk:"timeout_server"`
	TimeoutConnect types.String   `tfsdk:"timeout_connect"`
	TimeoutQueue   types.String   `tfsdk:"timeout_queue"`
}

// ServerResilience is embedded in serverModel.
type ServerResilience struct {
	Observe    types.String `tfsdk:"observe"`
	ErrorLimit types.Int64  `tfsdk:"error_limit"`
	OnError    types.String `tfsdk:"on_error"`
	Rise       types.Int64  `tfsdk:"rise"`
	Fall       types.Int64  `tfsdk:"fall"`
}

// serverResilienceAttrTypes are ServerResilience's, for serverAttrTypes.
var serverResilienceAttrTypes = map[string]attr.Type{
	"observe":     types.StringType,
	"error_limit": types.Int64Type,
	"on_error":    types.StringType,
	"rise":        types.Int64Type,
	"fall":        types.Int64Type,
}

const notManaged = "Defaults to not managed: the section keeps whatever it has, and without one HAProxy uses the defaults section's or its own default"

func backendResilienceAttributes() map[string]schema.Attribute {
	timeout := func(keyword, what string) schema.StringAttribute {
		return schema.StringAttribute{
			MarkdownDescription: "`timeout " + keyword + "` of the backend: " + what + ", " + haproxyTimeoutValidator().description + ". " +
				"It is compared in milliseconds, so `5s` and `5000ms` are the same. " + notManaged + ".",
			Optional:      true,
			Validators:    []validator.String{haproxyTimeoutValidator()},
			PlanModifiers: []planmodifier.String{equivalentTimeout{}},
		}
	}
	return map[string]schema.Attribute{
		"retries": schema.Int64Attribute{
			MarkdownDescription: "How many times HAProxy retries a request that failed (`retries`), from 0; " +
				"which failures count is `retry_on`'s (a connection failure when it is not set). " + notManaged + " (3).",
			Optional:   true,
			Validators: []validator.Int64{int64validator.Between(0, math.MaxInt32)},
		},
		"retry_on": schema.ListAttribute{
			MarkdownDescription: "The failures a request is retried on (`retry-on`), in HAProxy's words: " + quotedList(api.RetryOnKeywords) +
				", or a response status among " + quotedList(api.RetryOnStatuses) + ". " +
				"Only a backend in `http` mode can retry on anything but a failed connection, so `tcp` mode refuses it. " +
				"Retrying anything but `conn-failure` replays a request the server may have acted on: only for idempotent requests. " +
				"With `redispatch`, the retry goes to another server. " + notManaged + " (`conn-failure`).",
			ElementType: types.StringType,
			Optional:    true,
			Validators:  []validator.List{retryOnValidator{}},
		},
		"redispatch": schema.BoolAttribute{
			MarkdownDescription: "Whether a retry may go to another server than the one that failed (`option redispatch`); " +
				"`false` writes `no option redispatch`, which overrides a defaults section's. " + notManaged + " (off).",
			Optional: true,
		},
		"timeout_server":  timeout("server", "how long HAProxy waits for the server to answer or send more"),
		"timeout_connect": timeout("connect", "how long a connection to a server may take to be established"),
		"timeout_queue":   timeout("queue", "how long a request may wait for a free server (see the servers' `maxconn`) before HAProxy answers 503"),
	}
}

func serverResilienceAttributes() map[string]schema.Attribute {
	positive := func(keyword, what, dflt string) schema.Int64Attribute {
		return schema.Int64Attribute{
			MarkdownDescription: what + " (`" + keyword + "`), at least 1. Defaults to not managed: the `server` line keeps whatever `" + keyword +
				"` it has (HAProxy's default is " + dflt + ").",
			Optional:   true,
			Validators: []validator.Int64{int64validator.Between(1, math.MaxInt32)},
		}
	}
	return map[string]schema.Attribute{
		"observe": schema.StringAttribute{
			MarkdownDescription: "Whether HAProxy judges the server's health from its real traffic too (`observe`): " + quotedList(api.ServerObserveModes) + ". " +
				"`layer4` counts failed connections; `layer7`, only in `http` mode, counts answers that are errors (5xx but 501 and 505, unparsable ones, timeouts). " +
				"After `error_limit` consecutive errors, `on_error` happens. It needs `check = true`. " +
				"Defaults to not managed: the `server` line keeps whatever `observe` it has (HAProxy observes nothing by default).",
			Optional:   true,
			Validators: []validator.String{stringvalidator.OneOf(api.ServerObserveModes...)},
		},
		"error_limit": positive("error-limit", "Consecutive errors seen by `observe` that trigger `on_error`", "10"),
		"on_error": schema.StringAttribute{
			MarkdownDescription: "What happens when `observe` has seen `error_limit` consecutive errors (`on-error`): " + quotedList(api.ServerOnErrorActions) + ". " +
				"`mark-down` takes the server out at once; it comes back once `rise` health checks pass. " +
				"Defaults to not managed: the `server` line keeps whatever `on-error` it has (HAProxy's default is `fail-check`).",
			Optional:   true,
			Validators: []validator.String{stringvalidator.OneOf(api.ServerOnErrorActions...)},
		},
		"rise": positive("rise", "Consecutive passed health checks after which a server that was down is up again", "2"),
		"fall": positive("fall", "Consecutive failed health checks after which a server is down", "3"),
	}
}

// retryOnValidator checks a retry_on list with api.CheckRetryOn, the
// agent's rule too.
type retryOnValidator struct{}

var _ validator.List = retryOnValidator{}

func (retryOnValidator) Description(context.Context) string {
	return "retry-on keywords or status codes, each once, `none` alone"
}

func (v retryOnValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (retryOnValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var words []string
	for _, el := range req.ConfigValue.Elements() {
		s, ok := el.(types.String)
		if !ok || s.IsUnknown() {
			return // checked once known
		}
		if s.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid Retry-On Condition", "retry_on must not contain null")
			return
		}
		words = append(words, s.ValueString())
	}
	if err := api.CheckRetryOn(words); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Retry-On Condition", err.Error())
	}
}

var _ resource.ResourceWithValidateConfig = (*backendResource)(nil)

// ValidateConfig refuses, before anything runs, the combinations HAProxy
// would refuse or silently ignore: `observe layer7` in tcp mode (a fatal
// ALERT), `retry_on` and `http_request` in tcp mode (ignored), `observe`
// without `check` (it judges health, which needs health checks).
func (r *backendResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var mode types.String
	var retryOn types.List
	var servers types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("mode"), &mode)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("retry_on"), &retryOn)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("servers"), &servers)...)
	if resp.Diagnostics.HasError() {
		return
	}
	tcp := mode.ValueString() == "tcp"
	validateTCPMode(ctx, req.Config, &resp.Diagnostics, "backend", backendHTTPOnly)
	if tcp && !retryOn.IsNull() && !retryOn.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("retry_on"), "Retry-On Needs HTTP Mode",
			"retry_on is only used by a backend in http mode (HAProxy ignores it in tcp mode); "+
				"in tcp mode, retries alone retries a failed connection. Remove retry_on or set mode = \"http\".")
	}
	if servers.IsNull() || servers.IsUnknown() {
		return
	}
	for i, el := range servers.Elements() {
		obj, ok := el.(types.Object)
		if !ok || obj.IsNull() || obj.IsUnknown() {
			continue
		}
		attrs := obj.Attributes()
		observe, _ := attrs["observe"].(types.String)
		check, _ := attrs["check"].(types.Bool)
		if observe.IsNull() || observe.IsUnknown() {
			continue
		}
		at := path.Root("servers").AtListIndex(i).AtName("observe")
		if tcp && observe.ValueString() == "layer7" {
			resp.Diagnostics.AddAttributeError(at, "Observe Layer7 Needs HTTP Mode",
				fmt.Sprintf("servers[%d].observe = \"layer7\" judges HTTP answers, which a backend in tcp mode does not see "+
					"(HAProxy refuses it); use \"layer4\", which counts failed connections.", i))
		}
		if !check.IsUnknown() && !check.ValueBool() {
			resp.Diagnostics.AddAttributeError(at, "Observe Needs Health Checks",
				fmt.Sprintf("servers[%d].observe needs check = true: HAProxy acts on observed errors through the server's health checks "+
					"(on_error's fastinter, fail-check and sudden-death change them, and a server marked down comes back through them).", i))
		}
	}
}

// backendResilienceToAPI adds m's resilience settings to b.
func backendResilienceToAPI(b *api.Backend, m BackendResilience) {
	b.Retries = m.Retries.ValueInt64Pointer()
	if m.RetryOn != nil {
		words := make([]string, 0, len(m.RetryOn))
		for _, w := range m.RetryOn {
			words = append(words, w.ValueString())
		}
		b.RetryOn = &words
	}
	b.Redispatch = m.Redispatch.ValueBoolPointer()
	for _, t := range []struct {
		v   types.String
		dst **int64
	}{{m.TimeoutServer, &b.TimeoutServer}, {m.TimeoutConnect, &b.TimeoutConnect}, {m.TimeoutQueue, &b.TimeoutQueue}} {
		// Validated at plan time, so it parses.
		if ms, err := timeoutMillis(t.v.ValueString()); !t.v.IsNull() && !t.v.IsUnknown() && err == nil {
			*t.dst = &ms
		}
	}
}

func backendResilienceFromAPI(b api.Backend) BackendResilience {
	m := BackendResilience{
		Retries:        types.Int64PointerValue(b.Retries),
		Redispatch:     types.BoolPointerValue(b.Redispatch),
		TimeoutServer:  timeoutValue(types.StringNull(), b.TimeoutServer),
		TimeoutConnect: timeoutValue(types.StringNull(), b.TimeoutConnect),
		TimeoutQueue:   timeoutValue(types.StringNull(), b.TimeoutQueue),
	}
	if b.RetryOn != nil {
		m.RetryOn = make([]types.String, 0, len(*b.RetryOn))
		for _, w := range *b.RetryOn {
			m.RetryOn = append(m.RetryOn, types.StringValue(w))
		}
	}
	return m
}

func serverResilienceToAPI(s *api.Server, m ServerResilience) {
	s.Observe = m.Observe.ValueString()
	s.ErrorLimit = m.ErrorLimit.ValueInt64Pointer()
	s.OnError = m.OnError.ValueString()
	s.Rise = m.Rise.ValueInt64Pointer()
	s.Fall = m.Fall.ValueInt64Pointer()
}

func serverResilienceFromAPI(s api.Server) ServerResilience {
	return ServerResilience{
		Observe:    stringOrNull(s.Observe),
		ErrorLimit: types.Int64PointerValue(s.ErrorLimit),
		OnError:    stringOrNull(s.OnError),
		Rise:       types.Int64PointerValue(s.Rise),
		Fall:       types.Int64PointerValue(s.Fall),
	}
}

// managedResilience nulls in live what prior does not manage, and keeps
// prior's spelling of durations that mean the same as the machine's.
func managedResilience(prior, live BackendResilience) BackendResilience {
	if prior.Retries.IsNull() {
		live.Retries = types.Int64Null()
	}
	if prior.RetryOn == nil {
		live.RetryOn = nil
	}
	if prior.Redispatch.IsNull() {
		live.Redispatch = types.BoolNull()
	}
	keep := func(p, l types.String) types.String {
		if p.IsNull() || l.IsNull() {
			return types.StringNull()
		}
		ms, _ := timeoutMillis(l.ValueString())
		return timeoutValue(p, &ms)
	}
	live.TimeoutServer = keep(prior.TimeoutServer, live.TimeoutServer)
	live.TimeoutConnect = keep(prior.TimeoutConnect, live.TimeoutConnect)
	live.TimeoutQueue = keep(prior.TimeoutQueue, live.TimeoutQueue)
	return live
}

// managedServerResilience is managedResilience for a server; ok says the
// server was in prior at all (a new one manages nothing yet).
func managedServerResilience(prior ServerResilience, ok bool, live ServerResilience) ServerResilience {
	if !ok || prior.Observe.IsNull() {
		live.Observe = types.StringNull()
	}
	if !ok || prior.ErrorLimit.IsNull() {
		live.ErrorLimit = types.Int64Null()
	}
	if !ok || prior.OnError.IsNull() {
		live.OnError = types.StringNull()
	}
	if !ok || prior.Rise.IsNull() {
		live.Rise = types.Int64Null()
	}
	if !ok || prior.Fall.IsNull() {
		live.Fall = types.Int64Null()
	}
	return live
}

// resilienceReloadReasons names the backend's resilience settings that
// differ; the servers' are in the server comparison of reloadReasons.
func resilienceReloadReasons(from, to api.Backend) []string {
	var out []string
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"retries", from.Retries, to.Retries},
		{"retry_on", from.RetryOn, to.RetryOn},
		{"redispatch", from.Redispatch, to.Redispatch},
		{"timeout_server", from.TimeoutServer, to.TimeoutServer},
		{"timeout_connect", from.TimeoutConnect, to.TimeoutConnect},
		{"timeout_queue", from.TimeoutQueue, to.TimeoutQueue},
	} {
		if !reflect.DeepEqual(f.a, f.b) {
			out = append(out, f.name)
		}
	}
	return out
}
