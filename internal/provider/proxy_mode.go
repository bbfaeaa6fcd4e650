package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// httpOnly names the attributes of a proxy that only mean something in
// http mode. HAProxy 2.6 accepts them in a tcp proxy with a warning and
// ignores them ("'http-request' rules ignored for frontend 'x' as they
// require HTTP mode"), which `haproxy -c` does not fail on; a rule the user
// wrote that silently does nothing is worse than a refusal, so the plan
// refuses them.
type httpOnly struct {
	lists []string // set at all: refused
	bools []string // true: refused
}

var (
	frontendHTTPOnly = httpOnly{lists: []string{"http_request", "http_response", "http_after_response"}, bools: []string{"forwardfor", "httplog"}}
	backendHTTPOnly  = httpOnly{lists: []string{"http_request", "http_response", "http_after_response"}}
)

// validateTCPMode adds an error for each of h's attributes that config sets
// while its mode is tcp; noun is "frontend" or "backend".
func validateTCPMode(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics, noun string, h httpOnly) {
	var mode types.String
	diags.Append(config.GetAttribute(ctx, path.Root("mode"), &mode)...)
	if diags.HasError() || mode.ValueString() != "tcp" {
		return
	}
	for _, attr := range h.set(ctx, config, diags) {
		diags.AddAttributeError(path.Root(attr), "Attribute Needs HTTP Mode",
			fmt.Sprintf("%s is not used by a %s in tcp mode: HAProxy ignores %s there (with only a warning). "+
				"Remove %s or set mode = \"http\".", attr, noun, h.what(attr), attr))
	}
}

// validateInheritedMode is validateTCPMode for an adopted section whose
// mode the plan leaves to its defaults section (mode null, see
// inheritedOrDefault): the effective mode is the defaults section's, else
// HAProxy's own tcp. Only the machine knows it (inherited asks it: the
// section's InheritedMode), so it is asked only when an http-only attribute
// is set; a machine that cannot be asked leaves it to the apply.
func validateInheritedMode(ctx context.Context, config tfsdk.Config, plan tfsdk.Plan, diags *diag.Diagnostics, noun, name string, h httpOnly,
	inherited func() (string, error)) {
	var mode types.String
	diags.Append(plan.GetAttribute(ctx, path.Root("mode"), &mode)...)
	if diags.HasError() || !mode.IsNull() {
		return
	}
	set := h.set(ctx, config, diags)
	if len(set) == 0 {
		return
	}
	defaults, err := inherited()
	if err != nil || effectiveMode("", defaults) != "tcp" {
		return
	}
	from := "its defaults section has `mode tcp`"
	if defaults == "" {
		from = "neither it nor its defaults section says `mode`, and HAProxy's default is tcp"
	}
	for _, attr := range set {
		diags.AddAttributeError(path.Root(attr), "Attribute Needs HTTP Mode",
			fmt.Sprintf("%s %q has no mode of its own and runs in tcp mode (%s), where HAProxy ignores %s (with only a warning). "+
				"Remove %s or set mode = \"http\".", noun, name, from, h.what(attr), attr))
	}
}

// set names h's attributes that config sets.
func (h httpOnly) set(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) []string {
	var out []string
	for _, attr := range h.lists {
		var l types.List
		diags.Append(config.GetAttribute(ctx, path.Root(attr), &l)...)
		if !l.IsNull() && !l.IsUnknown() && len(l.Elements()) > 0 {
			out = append(out, attr)
		}
	}
	for _, attr := range h.bools {
		var b types.Bool
		diags.Append(config.GetAttribute(ctx, path.Root(attr), &b)...)
		if b.ValueBool() {
			out = append(out, attr)
		}
	}
	return out
}

func (h httpOnly) what(attr string) string {
	if slices.Contains(h.bools, attr) {
		return "this option"
	}
	return "these rules"
}
