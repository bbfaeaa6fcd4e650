package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestUserlistSchemaValid(t *testing.T) {
	resp := &resource.SchemaResponse{}
	NewUserlistResource().Schema(context.Background(), resource.SchemaRequest{}, resp)
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
}

func TestUserlistToAPIHashesWriteOnly(t *testing.T) {
	const secret = "correct horse battery staple"
	m := userlistModel{
		Name:   types.StringValue("members"),
		Groups: []types.String{types.StringValue("gold")},
		Users: []userModel{
			{Name: types.StringValue("vip"), Groups: []types.String{types.StringValue("gold")}, PasswordHash: types.StringNull()},
			{Name: types.StringValue("john"), PasswordHash: types.StringValue("$6$salt$hash")},
			{Name: types.StringValue("kept"), PasswordHash: types.StringNull()},
		},
	}
	plain := map[string]string{"vip": secret, "kept": "other"}
	got, err := userlistToAPI(m, plain, func(u userModel) bool { return u.Name.ValueString() != "kept" })
	if err != nil {
		t.Fatal(err)
	}
	wire, _ := json.Marshal(got)
	if strings.Contains(string(wire), secret) || strings.Contains(string(wire), "other") {
		t.Fatalf("plaintext in the request: %s", wire)
	}
	vip := got.Users[0].PasswordHash
	if !strings.HasPrefix(vip, "$6$") || sha512_crypt.New().Verify(vip, []byte(secret)) != nil {
		t.Errorf("vip hash %q does not verify against the password", vip)
	}
	if got.Users[1].PasswordHash != "$6$salt$hash" {
		t.Errorf("john's hash changed: %q", got.Users[1].PasswordHash)
	}
	if got.Users[2].PasswordHash != "" {
		t.Errorf("an unchanged write-only password must be sent empty (keep), got %q", got.Users[2].PasswordHash)
	}
}

// userlistValue renders m as the schema's object, for a plan, a state or a
// configuration (which alone carries password_wo).
func userlistValue(t *testing.T, m userlistModel) tftypes.Value {
	t.Helper()
	st := tfsdk.State{Schema: userlistSchema()}
	if d := st.Set(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	return st.Raw
}

func insecureUser(name string) userModel {
	return userModel{Name: types.StringValue(name), InsecurePassword: types.BoolValue(true)}
}

func TestUserlistValidatePasswordChoice(t *testing.T) {
	for name, tc := range map[string]struct {
		user    userModel
		wantErr string
	}{
		"hash":                 {user: userModel{PasswordHash: types.StringValue("$6$s$h")}},
		"write-only":           {user: userModel{PasswordWO: types.StringValue("pw"), PasswordWOVersion: types.Int64Value(1)}},
		"insecure kept":        {user: userModel{InsecurePassword: types.BoolValue(true)}},
		"unknown hash":         {user: userModel{PasswordHash: types.StringUnknown()}},
		"none":                 {user: userModel{}, wantErr: "set exactly one of password_hash, password_wo and insecure_password"},
		"hash and insecure":    {user: userModel{PasswordHash: types.StringValue("$6$s$h"), InsecurePassword: types.BoolValue(true)}, wantErr: "set exactly one"},
		"wo and insecure":      {user: userModel{PasswordWO: types.StringValue("pw"), InsecurePassword: types.BoolValue(true)}, wantErr: "set exactly one"},
		"hash and write-only":  {user: userModel{PasswordHash: types.StringValue("$6$s$h"), PasswordWO: types.StringValue("pw")}, wantErr: "set exactly one"},
		"insecure false":       {user: userModel{InsecurePassword: types.BoolValue(false)}, wantErr: "insecure_password can only be true"},
		"insecure false, hash": {user: userModel{PasswordHash: types.StringValue("$6$s$h"), InsecurePassword: types.BoolValue(false)}, wantErr: "insecure_password can only be true"},
	} {
		t.Run(name, func(t *testing.T) {
			u := tc.user
			u.Name = types.StringValue("vip")
			cfg := tfsdk.Config{Schema: userlistSchema(), Raw: userlistValue(t, userlistModel{
				ID: types.StringNull(), Name: types.StringValue("mycredentials"), Users: []userModel{u},
			})}
			resp := &resource.ValidateConfigResponse{}
			NewUserlistResource().(*userlistResource).ValidateConfig(context.Background(), resource.ValidateConfigRequest{Config: cfg}, resp)
			errs := resp.Diagnostics.Errors()
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("unexpected errors: %v", errs)
			case tc.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0].Detail(), tc.wantErr) || !strings.Contains(errs[0].Detail(), `User "vip"`)):
				t.Errorf("errors %v, want one naming the user and containing %q", errs, tc.wantErr)
			}
		})
	}
}

// insecure_password is only ever a promise to keep a line the machine has:
// every plan warns about it and tells how to convert; asked for anywhere
// else, the plan fails.
func TestUserlistModifyPlanInsecurePassword(t *testing.T) {
	hashed := userModel{Name: types.StringValue("john"), PasswordHash: types.StringValue("$6$s$h")}
	list := func(name string, users ...userModel) userlistModel {
		return userlistModel{ID: types.StringValue(name), Name: types.StringValue(name), Users: users}
	}
	listPtr := func(m userlistModel) *userlistModel { return &m }
	for name, tc := range map[string]struct {
		prior   *userlistModel // nil: create
		plan    userlistModel
		wantErr string
		warned  string // the users the warning names; "" = no warning
	}{
		"kept": {
			prior: listPtr(list("creds", insecureUser("vip"), insecureUser("john"))), plan: list("creds", insecureUser("vip"), insecureUser("john")),
			warned: `lines of users "vip", "john" in`,
		},
		"one converted": {
			prior: listPtr(list("creds", insecureUser("vip"), insecureUser("john"))), plan: list("creds", insecureUser("vip"), hashed),
			warned: `line of user "vip" in`,
		},
		"none insecure": {prior: listPtr(list("creds", hashed)), plan: list("creds", hashed)},
		"create": {
			plan: list("creds", insecureUser("vip")), wantErr: `User "vip" of userlist "creds" has no insecure-password line on the machine`,
		},
		"a hashed user made insecure": {
			prior: listPtr(list("creds", hashed)), plan: list("creds", insecureUser("john")), wantErr: "Switchyard never writes a plaintext password",
		},
		"a new user": {
			prior: listPtr(list("creds", insecureUser("vip"))), plan: list("creds", insecureUser("vip"), insecureUser("eve")),
			wantErr: `User "eve"`, warned: `line of user "vip" in`,
		},
		"replaced by another userlist": {
			prior: listPtr(list("creds", insecureUser("vip"))), plan: list("other", insecureUser("vip")), wantErr: `userlist "other"`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			sch := userlistSchema()
			req := resource.ModifyPlanRequest{
				Plan:  tfsdk.Plan{Schema: sch, Raw: userlistValue(t, tc.plan)},
				State: tfsdk.State{Schema: sch, Raw: tftypes.NewValue(sch.Type().TerraformType(context.Background()), nil)},
			}
			if tc.prior != nil {
				req.State.Raw = userlistValue(t, *tc.prior)
			}
			resp := &resource.ModifyPlanResponse{Plan: req.Plan}
			NewUserlistResource().(*userlistResource).ModifyPlan(context.Background(), req, resp)
			errs := resp.Diagnostics.Errors()
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("unexpected errors: %v", errs)
			case tc.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0].Detail(), tc.wantErr)):
				t.Errorf("errors %v, want one containing %q", errs, tc.wantErr)
			}
			warnings := resp.Diagnostics.Warnings()
			if tc.warned == "" {
				if len(warnings) != 0 {
					t.Errorf("unexpected warnings: %v", warnings)
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("%d warnings, want one: %v", len(warnings), warnings)
			}
			w := warnings[0]
			if w.Summary() != "Insecure Password On Machine" || !strings.Contains(w.Detail(), "replace that user's insecure_password with password_wo") ||
				!strings.Contains(w.Detail(), "password_hash") || !strings.Contains(w.Detail(), `Userlist "creds"`) ||
				!strings.Contains(w.Detail(), tc.warned) {
				t.Errorf("the warning does not name the userlist and %s, or does not tell how to convert: %s: %s", tc.warned, w.Summary(), w.Detail())
			}
		})
	}
}

// What the machine reports becomes the state: an insecure line is
// insecure_password = true and nothing else, whether imported or known.
func TestUserlistFromAPIInsecurePassword(t *testing.T) {
	got := api.Userlist{Name: "creds", Groups: []string{}, Users: []api.User{
		{Name: "vip", InsecurePassword: true, Groups: []string{}},
		{Name: "john", PasswordHash: "$6$s$live", Groups: []string{}},
	}}
	wo := func(name string) userModel {
		return userModel{Name: types.StringValue(name), PasswordHash: types.StringNull(), PasswordWOVersion: types.Int64Value(3), InsecurePassword: types.BoolNull()}
	}
	for name, tc := range map[string]struct {
		prior             userlistModel
		wantVIP, wantJohn userModel // only the password fields are compared
	}{
		"import": {
			wantVIP:  userModel{PasswordHash: types.StringNull(), PasswordWOVersion: types.Int64Null(), InsecurePassword: types.BoolValue(true)},
			wantJohn: userModel{PasswordHash: types.StringValue("$6$s$live"), PasswordWOVersion: types.Int64Null(), InsecurePassword: types.BoolNull()},
		},
		"write-only users; vip made insecure by hand": {
			prior:    userlistModel{Users: []userModel{wo("vip"), wo("john")}},
			wantVIP:  userModel{PasswordHash: types.StringNull(), PasswordWOVersion: types.Int64Value(3), InsecurePassword: types.BoolValue(true)},
			wantJohn: userModel{PasswordHash: types.StringNull(), PasswordWOVersion: types.Int64Value(3), InsecurePassword: types.BoolNull()},
		},
		"insecure users; john given a hash by hand": {
			prior:    userlistModel{Users: []userModel{insecureUser("vip"), insecureUser("john")}},
			wantVIP:  userModel{PasswordHash: types.StringNull(), PasswordWOVersion: types.Int64Null(), InsecurePassword: types.BoolValue(true)},
			wantJohn: userModel{PasswordHash: types.StringValue("$6$s$live"), PasswordWOVersion: types.Int64Null(), InsecurePassword: types.BoolNull()},
		},
	} {
		t.Run(name, func(t *testing.T) {
			m := userlistFromAPI(got, tc.prior)
			for i, want := range []userModel{tc.wantVIP, tc.wantJohn} {
				u := m.Users[i]
				if !u.PasswordHash.Equal(want.PasswordHash) || !u.PasswordWOVersion.Equal(want.PasswordWOVersion) || !u.InsecurePassword.Equal(want.InsecurePassword) {
					t.Errorf("%s: hash %v, version %v, insecure %v; want %v, %v, %v", u.Name, u.PasswordHash, u.PasswordWOVersion, u.InsecurePassword,
						want.PasswordHash, want.PasswordWOVersion, want.InsecurePassword)
				}
				if !u.PasswordWO.IsNull() {
					t.Errorf("%s: password_wo in state", u.Name)
				}
			}
		})
	}
}

// The conversion apply: a user that was insecure and now has password_wo is
// hashed even when its password_wo_version did not change (a write-only
// user someone made insecure by hand keeps its version in state); one still
// insecure is sent as "keep" with no hash.
func TestUserlistWireConvertsInsecurePassword(t *testing.T) {
	const secret = "ipaygoodmoneyforthis"
	vipBefore := insecureUser("vip")
	vipBefore.PasswordWOVersion = types.Int64Value(3)
	prior := userlistModel{ID: types.StringValue("creds"), Name: types.StringValue("creds"), Users: []userModel{vipBefore, insecureUser("john")}}
	plan := userlistModel{ID: types.StringValue("creds"), Name: types.StringValue("creds"), Users: []userModel{
		{Name: types.StringValue("vip"), PasswordWOVersion: types.Int64Value(3)},
		insecureUser("john"),
	}}
	config := plan
	config.Users = []userModel{
		{Name: types.StringValue("vip"), PasswordWO: types.StringValue(secret), PasswordWOVersion: types.Int64Value(3)},
		insecureUser("john"),
	}
	body, diags, err := userlistWire(context.Background(), write[userlistModel]{
		plan: plan, prior: &prior, config: tfsdk.Config{Schema: userlistSchema(), Raw: userlistValue(t, config)},
	})
	if err != nil || diags.HasError() {
		t.Fatal(err, diags)
	}
	got := body.(api.Userlist)
	if vip := got.Users[0]; vip.InsecurePassword || sha512_crypt.New().Verify(vip.PasswordHash, []byte(secret)) != nil {
		t.Errorf("vip is not sent as a hash of its password: %+v", vip)
	}
	if john := got.Users[1]; !john.InsecurePassword || john.PasswordHash != "" {
		t.Errorf("john is not sent as kept: %+v", john)
	}
}
