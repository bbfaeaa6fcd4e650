package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// adoptedKey marks, in private state, an object that was imported rather
// than created by Switchyard. Unlike importedKey it is never cleared: for
// the object's whole life, a setting left out of the configuration means
// "as the section has it" (a line that is absent stays absent, so the
// section keeps inheriting it from `defaults`), where for an object
// Switchyard created it means the default Switchyard writes. Without the
// mark, adopting a hand-written machine would plan to write `mode http`
// and `balance roundrobin` into every section that inherits them.
const adoptedKey = "adopted"

// markAdopted is what every ImportState calls.
func markAdopted(ctx context.Context, p interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}) diag.Diagnostics {
	return p.SetKey(ctx, adoptedKey, []byte(`true`))
}

func isAdopted(ctx context.Context, p privateData) (bool, diag.Diagnostics) {
	if p == nil {
		return false, nil
	}
	v, diags := p.GetKey(ctx, adoptedKey)
	return len(v) > 0, diags
}

// inheritedOrDefault is the plan modifier of a setting that a section may
// simply not say. Set in the configuration, it is what it says. Left out:
//   - on an object Switchyard creates (or one it created), the default, as
//     a Default would do: the line is written, and a hand edit that removes
//     it shows up in the next plan;
//   - on an adopted (imported) object, whatever the state holds, which is
//     what the section says: null when it has no such line, so the plan
//     keeps the line absent and the section goes on inheriting it.
//
// A nested setting whose containing object is new in the plan (an
// http_check block added to an adopted backend) gets the default: there is
// no line yet that it could keep.
func inheritedOrDefault(def string) planmodifier.String { return inheritString{def: def} }

type inheritString struct{ def string }

func (m inheritString) Description(context.Context) string {
	return fmt.Sprintf("left out: %q on an object Switchyard creates, what the section says on an imported one", m.def)
}

func (m inheritString) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (m inheritString) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	creating := req.State.Raw.IsNull()
	adopted, diags := isAdopted(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	parent := !creating && parentInState(ctx, req.State, req.Path)
	resp.PlanValue = inheritedPlan(types.StringValue(m.def), req.StateValue, creating, adopted, parent)
}

// inheritedOrDefaultBool is inheritedOrDefault for a setting that is a
// group of lines, present or not (switchyard_service's sandbox): an adopted
// unit without them keeps reading false instead of planning to add them.
func inheritedOrDefaultBool(def bool) planmodifier.Bool { return inheritBool{def: def} }

type inheritBool struct{ def bool }

func (m inheritBool) Description(context.Context) string {
	return fmt.Sprintf("left out: %v on an object Switchyard creates, what the machine has on an imported one", m.def)
}

func (m inheritBool) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (m inheritBool) PlanModifyBool(ctx context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	creating := req.State.Raw.IsNull()
	adopted, diags := isAdopted(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	parent := !creating && parentInState(ctx, req.State, req.Path)
	resp.PlanValue = inheritedPlan(types.BoolValue(m.def), req.StateValue, creating, adopted, parent)
}

// inheritedPlan is the value planned for a setting left out of the
// configuration (see inheritedOrDefault).
func inheritedPlan[T attr.Value](def, state T, creating, adopted, parentExists bool) T {
	if creating || !adopted || !parentExists {
		return def
	}
	return state
}

// parentInState reports whether the object that holds the attribute exists
// in the prior state (always, for a top-level attribute of an existing
// resource).
func parentInState(ctx context.Context, state tfsdk.State, p path.Path) bool {
	parent := p.ParentPath()
	if len(parent.Steps()) == 0 {
		return true
	}
	var v types.Object
	if d := state.GetAttribute(ctx, parent, &v); d.HasError() {
		return false
	}
	return !v.IsNull() && !v.IsUnknown()
}

// effectiveMode is the mode a proxy runs in: its own `mode` line, else the
// one of the defaults section it uses, else HAProxy's own default, which is
// tcp (not http: a section with neither line is a TCP proxy).
func effectiveMode(own, defaults string) string {
	switch {
	case own != "":
		return own
	case defaults != "":
		return defaults
	default:
		return "tcp"
	}
}

// inheritedDescription ends the description of an attribute planned by
// inheritedOrDefault; otherwise names what HAProxy uses when the section
// has no such line.
func inheritedDescription(keyword, def, otherwise string) string {
	return "Left out, a section Switchyard creates gets `" + def + "` written explicitly, so that the plan shows what the machine runs; " +
		"on an imported section it stays as the section has it: no `" + keyword + "` line reads as null, and the section keeps " +
		"inheriting " + otherwise + ". Defaults to `" + def + "` on create and to the section's own line on import."
}

// adoptedGlobalDescription ends the description of a global setting planned
// by inheritedOrDefault.
func adoptedGlobalDescription(keyword, def string) string {
	return "Left out, a switchyard_haproxy that is created writes `\"" + def + "\"`; an imported one (a machine being adopted) " +
		"whose `global` has no `" + keyword + "` reads it as null and leaves it out, so adopting a machine forces nothing into it. " +
		"Defaults to `\"" + def + "\"` on create and to the machine's own setting on import."
}
