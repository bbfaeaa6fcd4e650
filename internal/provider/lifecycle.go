package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// The resources that manage one object on the machine share one lifecycle:
// Create and Update send the plan and store what the machine answered, Read
// asks the machine and forgets an object that is definitely gone, Delete
// treats "already gone" as done, and every path that writes state goes
// through syncState, so apply and refresh can never disagree. A resource
// file holds its schema, its kind (the mapping to and from the agent's
// types) and only what is truly its own.

// kind describes one kind of object to the lifecycle. M is the resource's
// model, W the agent's type for the object as it answers get, create and
// update.
type kind[M, W any] struct {
	// title and noun name the kind in diagnostics: the summary is
	// "Unable to Create <title>", the detail "Could not create <noun> %q: …".
	title, noun string
	// typeName follows the provider's name ("_map_entry"); schema is the
	// resource's schema.
	typeName string
	schema   func() schema.Schema
	// id names the object in details; ref is what get and delete take.
	id  func(M) string
	ref func(M) any
	// importRef, if set, replaces ref for the first read after an import,
	// so the machine can refuse an object the resource cannot represent.
	importRef func(M) any

	getMethod, createMethod, updateMethod, deleteMethod string

	// toWire builds the request of a create or update. Its diagnostics are
	// the framework's (reading the configuration); its error is reported
	// like a failed call.
	toWire func(context.Context, write[M]) (any, diag.Diagnostics, error)
	// fromWire is the state for what the machine has. prior is the plan or
	// the previous state, which says which optional settings are managed
	// and how the configuration spells them; it is nil right after import.
	fromWire func(ctx context.Context, prior *M, got W) (M, diag.Diagnostics)
	// absent, if set, says that an answer describes an object that is not
	// (or not fully) on the machine: it leaves the state, so the next plan
	// creates it again.
	absent func(W) bool

	// existsHint follows "Could not create <noun> %q: " when the object
	// already exists; %[1]s is the id. Empty: no special wording.
	existsHint string
	// goneHint follows "Could not update <noun> %q: " when the object was
	// deleted since the plan. Empty: no special wording.
	goneHint string
	// keepRejected records an object that a create wrote but the machine
	// then rejected (a service that did not start), so Terraform marks it
	// tainted and the next apply or destroy removes it instead of leaving
	// it behind.
	keepRejected bool

	// importState turns an import id into the attributes Read starts from;
	// its error is the detail of "Invalid Import ID".
	importState func(id string) (map[string]string, error)
}

// write is what toWire may use.
type write[M any] struct {
	plan   M
	prior  *M // the state before an update; nil on create
	config tfsdk.Config
	create bool
}

// lifecycle implements resource.ResourceWithImportState for a kind; a
// resource embeds it and adds only what is its own (ValidateConfig).
type lifecycle[M, W any] struct {
	machine caller // nil while the provider's settings are unknown
	kind    kind[M, W]
}

func (l *lifecycle[M, W]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + l.kind.typeName
}

func (l *lifecycle[M, W]) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = l.kind.schema()
}

func (l *lifecycle[M, W]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.machine = machineFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *lifecycle[M, W]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := l.write(ctx, "create", write[M]{plan: plan, config: req.Config, create: true}, &resp.Diagnostics)
	if err == nil {
		resp.Diagnostics.Append(l.syncState(ctx, &resp.State, &plan, got)...)
		return
	}
	if l.kind.keepRejected && errors.Is(err, api.ErrRejected) {
		var got W
		if l.machine.Call(ctx, l.kind.getMethod, l.kind.ref(plan), &got) == nil {
			resp.Diagnostics.Append(l.syncState(ctx, &resp.State, &plan, got)...)
		}
	}
}

func (l *lifecycle[M, W]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := l.write(ctx, "update", write[M]{plan: plan, prior: &prior, config: req.Config}, &resp.Diagnostics)
	if err == nil {
		resp.Diagnostics.Append(l.syncState(ctx, &resp.State, &plan, got)...)
	}
}

// errNoWrite stands for a write that was not attempted (the diagnostics
// say why).
var errNoWrite = errors.New("not written")

// write sends a create or update and reports its failure; a nil error
// means got is what the machine now has.
func (l *lifecycle[M, W]) write(ctx context.Context, verb string, w write[M], diags *diag.Diagnostics) (W, error) {
	var got W
	k := l.kind
	id := k.id(w.plan)
	summary := "Unable to " + titleVerb(verb) + " " + k.title
	body, d, err := k.toWire(ctx, w)
	diags.Append(d...)
	if diags.HasError() {
		return got, errNoWrite
	}
	if l.machine == nil {
		diags.AddError(summary, k.detail(verb, id, errNotConfigured))
		return got, errNoWrite
	}
	if err != nil {
		diags.AddError(summary, k.detail(verb, id, err.Error()))
		return got, err
	}
	method := k.updateMethod
	if w.create {
		method = k.createMethod
	}
	err = l.machine.Call(ctx, method, body, &got)
	if w.create && errors.Is(err, api.ErrExists) {
		if adopted, ok := l.adoptIdentical(ctx, w, body, diags); ok {
			return adopted, nil
		}
	}
	switch {
	case err == nil:
		return got, nil
	case w.create && k.existsHint != "" && errors.Is(err, api.ErrExists):
		diags.AddError(summary, k.detail(verb, id, fmt.Sprintf(k.existsHint, id)+" "+err.Error()))
	case !w.create && k.goneHint != "" && errors.Is(err, api.ErrNotFound):
		diags.AddError(summary, k.detail(verb, id, k.goneHint+" "+err.Error()))
	default:
		diags.AddError(summary, k.detail(verb, id, err.Error()))
	}
	return got, err
}

// adoptIdentical takes over an object that a create found on the machine
// when it is exactly what the plan asks for. That is what an interrupted
// apply leaves behind (terraform killed after the agent wrote the object,
// before the state was saved): without this, the next apply would fail on
// every such object and ask for an import of each. An object that differs
// in anything the resource manages is never taken over: the create fails as
// before, naming it. Identical means that the request built from the
// machine's object equals the request built from the plan, so it is
// compared in the resource's own terms; a kind whose request cannot be
// rebuilt the same way (write-only passwords are hashed with a new salt)
// is never adopted. The take-over is not silent: it leaves a warning.
func (l *lifecycle[M, W]) adoptIdentical(ctx context.Context, w write[M], body any, diags *diag.Diagnostics) (W, bool) {
	k := l.kind
	var got W
	if err := l.machine.Call(ctx, k.getMethod, k.ref(w.plan), &got); err != nil {
		return got, false
	}
	if k.absent != nil && k.absent(got) {
		return got, false
	}
	live, d := k.fromWire(ctx, &w.plan, got)
	if d.HasError() {
		return got, false
	}
	again, d, err := k.toWire(ctx, write[M]{plan: live, config: w.config, create: true})
	if d.HasError() || err != nil || !reflect.DeepEqual(body, again) {
		return got, false
	}
	diags.AddWarning("Adopted Existing "+k.title, fmt.Sprintf(
		"%s %q was already on the machine, identical to the plan (an earlier apply was probably interrupted "+
			"before it could save its state), so Terraform manages it from now on. "+
			"If another configuration also manages it, remove it from one of them.", k.noun, k.id(w.plan)))
	return got, true
}

func (l *lifecycle[M, W]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := l.fromState(ctx, req.State, "read", &resp.Diagnostics)
	if !ok {
		return
	}
	k := l.kind
	id := k.id(state)
	summary := "Unable to Read " + k.title
	imported, d := justImported(ctx, req.Private)
	resp.Diagnostics.Append(d...)
	ref := k.ref(state)
	if imported && k.importRef != nil {
		ref = k.importRef(state)
	}
	var got W
	err := l.machine.Call(ctx, k.getMethod, ref, &got)
	if errors.Is(err, api.ErrNotFound) {
		// Deleted outside Terraform: forgetting it makes the next plan
		// create it again. Only a definite "not found" does this; an
		// unreachable machine is an error below, never a deletion.
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(summary, k.detail("read", id, err.Error()))
		return
	}
	prior := &state
	if imported {
		prior = nil
	}
	resp.Diagnostics.Append(l.syncState(ctx, &resp.State, prior, got)...)
	if imported && !resp.Diagnostics.HasError() {
		// From now on the state says what is managed.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, nil)...)
	}
}

func (l *lifecycle[M, W]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ok := l.fromState(ctx, req.State, "delete", &resp.Diagnostics)
	if !ok {
		return
	}
	k := l.kind
	id := k.id(state)
	summary := "Unable to Delete " + k.title
	// An object already gone is what Delete wants.
	if err := l.machine.Call(ctx, k.deleteMethod, k.ref(state), nil); err != nil && !errors.Is(err, api.ErrNotFound) {
		resp.Diagnostics.AddError(summary, k.detail("delete", id, err.Error()))
	}
}

// fromState is the start of Read and Delete: the model from the state, and
// a machine to ask (ok is false when the diagnostics say why not).
func (l *lifecycle[M, W]) fromState(ctx context.Context, st tfsdk.State, verb string, diags *diag.Diagnostics) (M, bool) {
	var state M
	diags.Append(st.Get(ctx, &state)...)
	if diags.HasError() {
		return state, false
	}
	if l.machine == nil {
		diags.AddError("Unable to "+strings.ToUpper(verb[:1])+verb[1:]+" "+l.kind.title, l.kind.detail(verb, l.kind.id(state), errNotConfigured))
		return state, false
	}
	return state, true
}

func (l *lifecycle[M, W]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	attrs, err := l.kind.importState(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error())
		return
	}
	for name, v := range attrs {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...)
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importedKey, importedValue)...)
	resp.Diagnostics.Append(markAdopted(ctx, resp.Private)...)
}

// syncState records what the machine reported. Create, Update and Read all
// end here.
func (l *lifecycle[M, W]) syncState(ctx context.Context, state *tfsdk.State, prior *M, got W) diag.Diagnostics {
	if l.kind.absent != nil && l.kind.absent(got) {
		state.RemoveResource(ctx)
		return nil
	}
	m, diags := l.kind.fromWire(ctx, prior, got)
	if diags.HasError() {
		return diags
	}
	return append(diags, state.Set(ctx, &m)...)
}

func (k kind[M, W]) detail(verb, id, cause string) string {
	return fmt.Sprintf("Could not %s %s %q: %s", verb, k.noun, id, cause)
}

func titleVerb(verb string) string {
	switch verb {
	case "create":
		return "Create"
	case "update":
		return "Update"
	}
	return verb
}

// importedKey marks, in private state, a resource that was just imported:
// its state holds only what the import id says, and there is no
// configuration yet to say which optional settings are managed, so the first
// Read takes every setting the machine has and then clears the mark.
const importedKey = "imported"

var importedValue = []byte(`true`)

// privateData is the part of the framework's private state the lifecycle
// uses (an interface, so unit tests can hand in their own).
type privateData interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

func justImported(ctx context.Context, p privateData) (bool, diag.Diagnostics) {
	v, diags := p.GetKey(ctx, importedKey)
	return len(v) > 0, diags
}

// importName is the importState of a kind whose import id is its name,
// checked with check; expected completes the error ("the backend's name as
// in haproxy.cfg, as in `terraform import …`").
func importName(check func(string) error, expected string) func(string) (map[string]string, error) {
	return func(id string) (map[string]string, error) {
		if err := check(id); err != nil {
			return nil, fmt.Errorf("import id: %v. Expected %s", err, expected)
		}
		return map[string]string{"name": id, "id": id}, nil
	}
}

// noWireDiags adapts a toWire that cannot fail.
func noWireDiags[M any](f func(M) any) func(context.Context, write[M]) (any, diag.Diagnostics, error) {
	return func(_ context.Context, w write[M]) (any, diag.Diagnostics, error) { return f(w.plan), nil, nil }
}

// existsHint is the usual wording for an object that a create finds on the
// machine already.
func existsHint(what string) string {
	return what + ". Adopt it with `terraform import <resource address> %[1]s`, or choose another name."
}

// goneHint is the usual wording for an object deleted between plan and
// apply; subject is "it was" or "its file was".
func goneHint(subject string) string {
	return subject + " deleted from the machine after the plan was made. Run terraform apply again to create it."
}

// idAttribute is the computed id of an object, which never changes once the
// object exists (a new name replaces it).
func idAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}
