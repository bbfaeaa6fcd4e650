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
// before, or a changed password_wo_version.
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
			return !ok || !old.PasswordHash.IsNull() || !old.PasswordWOVersion.Equal(u.PasswordWOVersion)
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
			"change `password_wo_version` to set it again.",
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
								"Exactly one of `password_hash` and `password_wo` is set. Defaults to none.",
							Optional:   true,
							Sensitive:  true,
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
		if u.PasswordHash.IsUnknown() || u.PasswordWO.IsUnknown() {
			continue
		}
		if u.PasswordHash.IsNull() == u.PasswordWO.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("users").AtListIndex(i), "Invalid User",
				fmt.Sprintf("User %q: set exactly one of password_hash and password_wo.", u.Name.ValueString()))
		}
	}
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
// Terraform can hold.
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
		}
		if old, ok := before[x.Name]; ok && old.PasswordHash.IsNull() {
			um.PasswordHash = types.StringNull()
			um.PasswordWOVersion = old.PasswordWOVersion
		}
		m.Users = append(m.Users, um)
	}
	return m
}
