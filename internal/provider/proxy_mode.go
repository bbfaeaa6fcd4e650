package provider

import (
	"context"
	"fmt"

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
	refuse := func(attr, what string) {
		diags.AddAttributeError(path.Root(attr), "Attribute Needs HTTP Mode",
			fmt.Sprintf("%s is not used by a %s in tcp mode: HAProxy ignores %s there (with only a warning). "+
				"Remove %s or set mode = \"http\".", attr, noun, what, attr))
	}
	for _, attr := range h.lists {
		var l types.List
		diags.Append(config.GetAttribute(ctx, path.Root(attr), &l)...)
		if !l.IsNull() && !l.IsUnknown() && len(l.Elements()) > 0 {
			refuse(attr, "these rules")
		}
	}
	for _, attr := range h.bools {
		var b types.Bool
		diags.Append(config.GetAttribute(ctx, path.Root(attr), &b)...)
		if b.ValueBool() {
			refuse(attr, "this option")
		}
	}
}
