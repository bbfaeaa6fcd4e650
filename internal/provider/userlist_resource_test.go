package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
