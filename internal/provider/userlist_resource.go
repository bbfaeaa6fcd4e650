package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

var (
	_ resource.Resource                   = (*userlistResource)(nil)
	_ resource.ResourceWithConfigure      = (*userlistResource)(nil)
	_ resource.ResourceWithImportState    = (*userlistResource)(nil)
	_ resource.ResourceWithValidateConfig = (*userlistResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*userlistResource)(nil)
)

// userlistResource is switchyard_userlist: one `userlist` section.
type userlistResource struct {
	lifecycle[userlistModel, api.Userlist]
}

// NewUserlistResource is the switchyard_userlist factory.
func NewUserlistResource() resource.Resource {
	return &userlistResource{lifecycle[userlistModel, api.Userlist]{kind: userlistKind}}
}

var userlistKind = kind[userlistModel, api.Userlist]{
	title: "Userlist", noun: "userlist",
	typeName: "_userlist", schema: userlistSchema,
	id:        func(m userlistModel) string { return m.Name.ValueString() },
	ref:       func(m userlistModel) any { return api.UserlistRef{Name: m.Name.ValueString()} },
	getMethod: api.MethodUserlistGet, createMethod: api.MethodUserlistCreate,
	updateMethod: api.MethodUserlistUpdate, deleteMethod: api.MethodUserlistDelete,
	toWire: userlistWire,
	fromWire: func(_ context.Context, prior *userlistModel, got api.Userlist) (userlistModel, diag.Diagnostics) {
		if prior == nil {
			prior = &userlistModel{}
		}
		m := userlistFromAPI(got, *prior)
		m.ExtraLines = prior.ExtraLines // only ever empty: nothing is written
		return m, nil
	},
	existsHint:  existsHint("a userlist of that name already exists on the machine"),
	importState: importName(grammar.ProxyName, "the userlist's name as in haproxy.cfg, as in `terraform import switchyard_userlist.members members`"),
}

// userlistWire hashes the write-only passwords that need it: on create all
// of them; on update only for a new user, a user that had a password_hash
// or an insecure password before, or a changed password_wo_version.
func userlistWire(ctx context.Context, w write[userlistModel]) (any, diag.Diagnostics, error) {
	plain, diags := passwords(ctx, w.config)
	if diags.HasError() {
		return nil, diags, nil
	}
	rehash := func(userModel) bool { return true }
	if w.prior != nil {
		before := map[string]userModel{}
		for _, u := range w.prior.Users {
			before[u.Name.ValueString()] = u
		}
		rehash = func(u userModel) bool {
			old, ok := before[u.Name.ValueString()]
			return !ok || !old.PasswordHash.IsNull() || old.InsecurePassword.ValueBool() || !old.PasswordWOVersion.Equal(u.PasswordWOVersion)
		}
	}
	body, err := userlistToAPI(w.plan, plain, rehash)
	return body, diags, err
}

type userlistModel struct {
	ID     types.String   `tfsdk:"id"`
	Name   types.String   `tfsdk:"name"`
	Groups []types.String `tfsdk:"groups"`
	Users  []userModel    `tfsdk:"users"`
	// ExtraLines refuses every line (userlistExtraLinesAttribute).
	ExtraLines []types.String `tfsdk:"extra_lines"`
}

type userModel struct {
	Name              types.String   `tfsdk:"name"`
	Groups            []types.String `tfsdk:"groups"`
	PasswordHash      types.String   `tfsdk:"password_hash"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	InsecurePassword  types.Bool     `tfsdk:"insecure_password"`
}

func userlistSchema() schema.Schema {
	name := haproxyNameValidator()
	emptyStrings := listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{}))
	return schema.Schema{
		MarkdownDescription: "An HAProxy `userlist` section: groups and users for HTTP basic authentication " +
			"(`http-request auth unless { http_auth(<name>) }`). Each user's password is given either as an existing crypt(3) hash " +
			"(`password_hash`), or as plaintext in the write-only `password_wo`, which the provider hashes with SHA-512 crypt " +
			"before it leaves Terraform: the plaintext never reaches the state, the machine or logs. " +
			"Drift is detected on the users, their groups and the groups; for a `password_hash` user also on the hash. " +
			"A password set from `password_wo` is not compared (nothing derived from it is kept in state): " +
			"change `password_wo_version` to set it again. " +
			"A hand-written `insecure-password` line (a plaintext password in haproxy.cfg) is imported as " +
			"`insecure_password = true`, which keeps the line as it is; its plaintext never leaves the machine.",
		Attributes: map[string]schema.Attribute{
			"id": idAttribute("The userlist's name, which identifies it on the machine."),
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the userlist, as in `userlist <name>` and `http_auth(<name>)`, " + name.description +
					". Changing it replaces the userlist. It is required and has no default.",
				Required:      true,
				Validators:    []validator.String{name},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"groups": schema.ListAttribute{
				MarkdownDescription: "Group names (`group <name>` lines), each " + name.description + ". Defaults to no groups.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             emptyStrings,
				Validators:          []validator.List{listvalidator.ValueStringsAre(haproxyNameValidator())},
			},
			"users": schema.ListNestedAttribute{
				MarkdownDescription: "The users, in the order of their `user` lines. It is required and has no default.",
				Required:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"name": schema.StringAttribute{
							MarkdownDescription: "User name, " + name.description + ". It is required and has no default.",
							Required:            true,
							Validators:          []validator.String{name},
						},
						"groups": schema.ListAttribute{
							MarkdownDescription: "Groups of the user, each declared in `groups`. Defaults to no groups.",
							ElementType:         types.StringType,
							Optional:            true,
							Computed:            true,
							Default:             emptyStrings,
							Validators:          []validator.List{listvalidator.ValueStringsAre(haproxyNameValidator())},
						},
						"password_hash": schema.StringAttribute{
							MarkdownDescription: "The password as a crypt(3) hash, as `mkpasswd -m sha-512` prints it (`$6$…`). " +
								"Exactly one of `password_hash`, `password_wo` and `insecure_password` is set. Defaults to none. " +
								"Not marked sensitive: a crypt hash is what haproxy.cfg itself holds, and Terraform writes a sensitive " +
								"attribute as `null` in `terraform plan -generate-config-out`, so an adopted user would not validate. " +
								"Use `password_wo` to keep even the hash out of plans.",
							Optional:   true,
							Validators: []validator.String{cryptHashValidator()},
						},
						"password_wo": schema.StringAttribute{
							MarkdownDescription: "The password in plaintext, write-only (Terraform 1.11 or later): it is hashed with " +
								"SHA-512 crypt in the provider and never stored. It is only sent when the user is created or " +
								"`password_wo_version` changes. Defaults to none.",
							Optional:  true,
							Sensitive: true,
							WriteOnly: true,
						},
						"password_wo_version": schema.Int64Attribute{
							MarkdownDescription: "Any number; changing it sets the password from `password_wo` again (rotation). " +
								"Defaults to none.",
							Optional: true,
						},
						"insecure_password": schema.BoolAttribute{
							MarkdownDescription: "`true` keeps the user's `insecure-password` line (a plaintext password written by hand " +
								"in haproxy.cfg) exactly as the machine has it; import sets it for such a user. The provider never " +
								"learns the plaintext, so it is in no state, plan or log, and it never writes one: `true` is refused for " +
								"a user that has no such line on the machine. Plans warn about every such user; to store the password " +
								"as a hash, replace `insecure_password` with `password_wo` (and `password_wo_version`) or " +
								"`password_hash`, and the next apply rewrites the line as `password <hash>`. Only `true` may be set. " +
								"Defaults to none.",
							Optional: true,
						},
					},
				},
			},
			"extra_lines": userlistExtraLinesAttribute(),
		},
	}
}

func cryptHashValidator() stringCheck {
	return stringCheck{
		description: "a crypt(3) hash such as `$6$…`",
		check: func(s string) error {
			// The value is secret: it is never echoed in an error.
			if !strings.HasPrefix(s, "$") || strings.ContainsAny(s, " \t\n\r#\"'\\") {
				return fmt.Errorf("must be a crypt(3) hash such as the `$6$…` that `mkpasswd -m sha-512` prints, on one line")
			}
			return nil
		},
	}
}

func (r *userlistResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var list types.List
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("users"), &list)...)
	if resp.Diagnostics.HasError() || list.IsNull() || list.IsUnknown() {
		return
	}
	var users []userModel
	resp.Diagnostics.Append(list.ElementsAs(ctx, &users, true)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for i, u := range users {
		if problem := passwordChoice(u); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("users").AtListIndex(i), "Invalid User", fmt.Sprintf("User %q: %s", u.Name.ValueString(), problem))
		}
	}
}

// passwordChoice checks that a user sets exactly one password form ("" when
// it does). Unknown values are not judged yet.
func passwordChoice(u userModel) string {
	if !u.InsecurePassword.IsNull() && !u.InsecurePassword.IsUnknown() && !u.InsecurePassword.ValueBool() {
		return "insecure_password can only be true (keep the machine's insecure-password line); remove it instead of setting it to false."
	}
	if u.PasswordHash.IsUnknown() || u.PasswordWO.IsUnknown() || u.InsecurePassword.IsUnknown() {
		return ""
	}
	set := 0
	for _, isSet := range []bool{!u.PasswordHash.IsNull(), !u.PasswordWO.IsNull(), u.InsecurePassword.ValueBool()} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return "set exactly one of password_hash, password_wo and insecure_password."
	}
	return ""
}

// insecureWarning tells, for every plan and apply, how to move users off
// their plaintext passwords. It is one warning per userlist naming every
// such user: Terraform folds warnings of the same summary into one in its
// output, which would hide the names of all but the first.
func insecureWarning(list string, users []string) string {
	quoted := make([]string, len(users))
	for i, u := range users {
		quoted[i] = fmt.Sprintf("%q", u)
	}
	lines := "line of user"
	if len(users) > 1 {
		lines = "lines of users"
	}
	return fmt.Sprintf("Userlist %q keeps the insecure-password %s %s in haproxy.cfg (insecure_password = true): "+
		"those passwords are stored there in plaintext. To store one as a hash instead, replace that user's insecure_password with "+
		"password_wo = <the same password> and password_wo_version = 1 (the provider hashes it; the plaintext reaches neither the "+
		"state nor the machine), or with password_hash = <its crypt(3) hash, from mkpasswd -m sha-512>. "+
		"The next apply then rewrites the line as `user <name> password <hash>`, and the same password keeps working.",
		list, lines, strings.Join(quoted, ", "))
}

// ModifyPlan warns about every user kept with insecure_password, in every
// plan and apply (Terraform plans again when it applies), and refuses it
// for a user that has no insecure password on the machine, as the last
// refresh saw it: it can only keep a line, and nothing ever writes a new
// plaintext password. (The agent checks again when applying, against the
// file itself.)
func (r *userlistResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var planned types.List
	var list types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("users"), &planned)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &list)...)
	if resp.Diagnostics.HasError() || planned.IsUnknown() || planned.IsNull() {
		return
	}
	var users []userModel
	resp.Diagnostics.Append(planned.ElementsAs(ctx, &users, true)...)
	onMachine := map[string]bool{} // users whose line is insecure
	if !req.State.Raw.IsNull() {
		var prior userlistModel
		resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
		if prior.Name.Equal(list) { // else a replacement: a new userlist
			for _, u := range prior.Users {
				onMachine[u.Name.ValueString()] = u.InsecurePassword.ValueBool()
			}
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var kept []string
	for i, u := range users {
		if problem := keepInsecure(u, onMachine, list.ValueString()); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("users").AtListIndex(i).AtName("insecure_password"), "Invalid User", problem)
		} else if u.InsecurePassword.ValueBool() {
			kept = append(kept, u.Name.ValueString())
		}
	}
	if len(kept) > 0 {
		resp.Diagnostics.AddAttributeWarning(path.Root("users"), "Insecure Password On Machine", insecureWarning(list.ValueString(), kept))
	}
}

// keepInsecure is ModifyPlan's check of one planned user; onMachine holds
// the users of the userlist on the machine and whether each is insecure.
func keepInsecure(u userModel, onMachine map[string]bool, list string) string {
	if !u.InsecurePassword.ValueBool() || onMachine[u.Name.ValueString()] {
		return ""
	}
	return fmt.Sprintf("User %q of userlist %q has no insecure-password line on the machine (it is new, or its password is a hash), "+
		"so insecure_password = true has nothing to keep, and Switchyard never writes a plaintext password. "+
		"Set password_wo (with password_wo_version) or password_hash instead.", u.Name.ValueString(), list)
}

// passwords returns, per user name, the plaintext of write-only passwords
// in the configuration. It lives only in this call.
func passwords(ctx context.Context, config tfsdk.Config) (map[string]string, diag.Diagnostics) {
	var users []userModel
	diags := config.GetAttribute(ctx, path.Root("users"), &users)
	out := map[string]string{}
	for _, u := range users {
		if !u.PasswordWO.IsNull() && !u.PasswordWO.IsUnknown() {
			out[u.Name.ValueString()] = u.PasswordWO.ValueString()
		}
	}
	return out, diags
}

// userlistToAPI builds the request. A write-only password is hashed when
// rehash says so for that user; otherwise its hash is left empty, which
// tells the agent to keep the hash the machine has.
func userlistToAPI(m userlistModel, plain map[string]string, rehash func(userModel) bool) (api.Userlist, error) {
	out := api.Userlist{Name: m.Name.ValueString(), Groups: strs(m.Groups), Users: []api.User{}}
	for _, u := range m.Users {
		au := api.User{Name: u.Name.ValueString(), Groups: strs(u.Groups), PasswordHash: u.PasswordHash.ValueString()}
		if u.InsecurePassword.ValueBool() {
			// Keep the machine's line: there is nothing to send.
			au.InsecurePassword = true
			out.Users = append(out.Users, au)
			continue
		}
		if u.PasswordHash.IsNull() && rehash(u) {
			pw, ok := plain[au.Name]
			if !ok {
				return api.Userlist{}, fmt.Errorf("user %q has neither password_hash nor password_wo", au.Name)
			}
			h, err := sha512_crypt.New().Generate([]byte(pw), nil)
			if err != nil {
				return api.Userlist{}, fmt.Errorf("hashing the password of user %q: %v", au.Name, err)
			}
			au.PasswordHash = h
		}
		out.Users = append(out.Users, au)
	}
	return out, nil
}

// userlistFromAPI is the state of what the machine has. A user known before keeps
// its choice: password_hash users get the live hash (so a changed hash is
// drift), write-only users get no hash at all. A user not known before
// (import, hand addition) is shown with its hash, the only password form
// Terraform can hold. A user whose line is insecure-password, known or not,
// is insecure_password = true (the agent sends no plaintext to show).
func userlistFromAPI(u api.Userlist, prior userlistModel) userlistModel {
	before := map[string]userModel{}
	for _, x := range prior.Users {
		before[x.Name.ValueString()] = x
	}
	m := userlistModel{
		ID:     types.StringValue(u.Name),
		Name:   types.StringValue(u.Name),
		Groups: tfStrs(u.Groups),
		Users:  []userModel{},
	}
	for _, x := range u.Users {
		um := userModel{
			Name:              types.StringValue(x.Name),
			Groups:            tfStrs(x.Groups),
			PasswordHash:      types.StringValue(x.PasswordHash),
			PasswordWO:        types.StringNull(), // write-only: always null in state
			PasswordWOVersion: types.Int64Null(),
			InsecurePassword:  types.BoolNull(),
		}
		old, known := before[x.Name]
		switch {
		case x.InsecurePassword:
			um.PasswordHash = types.StringNull()
			um.InsecurePassword = types.BoolValue(true)
			if known {
				// A write-only user edited to insecure by hand: only
				// insecure_password differs, which the plan shows.
				um.PasswordWOVersion = old.PasswordWOVersion
			}
		case known && old.PasswordHash.IsNull() && !old.InsecurePassword.ValueBool():
			um.PasswordHash = types.StringNull()
			um.PasswordWOVersion = old.PasswordWOVersion
		}
		m.Users = append(m.Users, um)
	}
	return m
}
