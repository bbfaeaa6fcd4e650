package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// deleteObject is the part of Delete every resource shares once it knows
// which object to remove: it needs a machine, and an object already gone
// is what Delete wants. title is the object kind in Title Case for the
// summary ("Map Entry"), noun the same in prose for the detail ("map entry").
func deleteObject(ctx context.Context, m caller, resp *resource.DeleteResponse, title, noun, id, method string, ref any) {
	summary := "Unable to Delete " + title
	if m == nil {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Could not delete %s %q: %s", noun, id, errNotConfigured))
		return
	}
	err := m.Call(ctx, method, ref, nil)
	if err != nil && !errors.Is(err, api.ErrNotFound) {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Could not delete %s %q: %s", noun, id, err))
	}
}

// importByName starts the state of an object whose import id is its name
// (already checked by the caller); Read fills in the rest from the machine.
func importByName(ctx context.Context, resp *resource.ImportStateResponse, name string) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
}
