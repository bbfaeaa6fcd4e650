package haproxy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func shop() api.Frontend {
	return api.Frontend{
		Name:       "shop",
		Mode:       "http",
		Maxconn:    i64(100),
		Forwardfor: true,
		Httplog:    true,
		Binds:      []api.Bind{{Address: "*", Port: i64(8100)}},
		ACLs:       []string{"is_app3 path_beg /app3", "is_static path_end .css .js"},
		HTTPRequest: []string{"auth realm Members unless { http_auth(legacyusers) }", "deny if is_static",
			"redirect scheme https code 301 unless { ssl_fc }"},
		HTTPResponse: []string{`set-header Strict-Transport-Security "max-age=31536000"`, "del-header Server"},
		UseBackends: []api.UseBackend{
			{Backend: "legacy", Cond: "if", CondTest: "is_app3"},
			{Backend: "%[req.hdr(x-b)]"},
		},
		DefaultBackend: "legacy",
	}
}

func TestFrontendCRUD(t *testing.T) {
	f := newFixture(t)
	m := f.m
	if _, err := m.CreateUserlist(api.Userlist{Name: "legacyusers", Groups: []string{}, Users: []api.User{}}); err != nil {
		t.Fatalf("userlist: %v", err)
	}
	got, err := m.CreateFrontend(shop())
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(shop(), got); diff != "" {
		t.Errorf("create read-back (-want +got):\n%s", diff)
	}
	file := f.read(t)
	for _, want := range []string{
		"\nfrontend shop\n",
		"  acl is_app3 path_beg /app3\n",
		"  http-request auth realm Members unless { http_auth(legacyusers) }\n",
		"  http-request redirect scheme https code 301 unless { ssl_fc }\n",
		"  http-response set-header Strict-Transport-Security \"max-age=31536000\"\n",
		"  http-response del-header Server\n",
		"  use_backend legacy if is_app3\n",
		"  default_backend legacy\n",
	} {
		if !strings.Contains(file, want) {
			t.Errorf("config file lacks %q:\n%s", want, file)
		}
	}

	reloads := f.reloader.calls.Load()
	if _, err := m.UpdateFrontend(shop()); err != nil {
		t.Fatalf("unchanged update: %v", err)
	}
	if n := f.reloader.calls.Load(); n != reloads {
		t.Errorf("unchanged update reloaded (%d -> %d reloads)", reloads, n)
	}

	upd := shop()
	upd.ACLs = []string{"is_app3 path_beg /app3"}
	upd.HTTPRequest = []string{}
	upd.HTTPResponse = []string{"del-header Server"}
	upd.UseBackends = upd.UseBackends[:1]
	upd.Forwardfor = false
	upd.Maxconn = nil
	got, err = m.UpdateFrontend(upd)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(upd, got); diff != "" {
		t.Errorf("update read-back (-want +got):\n%s", diff)
	}

	if err := m.DeleteFrontend("shop"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := m.GetFrontend("shop"); code(err) != api.CodeNotFound {
		t.Errorf("get after delete: code %q (%v)", code(err), err)
	}
}

func TestFrontendRejected(t *testing.T) {
	tests := map[string]struct {
		edit func(*api.Frontend)
		code string
		msg  string
	}{
		"missing backend":                   {func(f *api.Frontend) { f.DefaultBackend = "nosuch" }, api.CodeRejected, "nosuch"},
		"unknown fetch":                     {func(f *api.Frontend) { f.ACLs = []string{"x nosuchfetch foo"} }, api.CodeRejected, "nosuchfetch"},
		"unknown action":                    {func(f *api.Frontend) { f.HTTPRequest = []string{"frobnicate"} }, api.CodeInvalid, "frobnicate"},
		"comment":                           {func(f *api.Frontend) { f.HTTPRequest = []string{"deny # x"} }, api.CodeInvalid, "comment"},
		"request action as a response rule": {func(f *api.Frontend) { f.HTTPResponse = []string{"auth realm x"} }, api.CodeInvalid, "http-response"},
		"dropped word":                      {func(f *api.Frontend) { f.HTTPResponse = []string{"del-header Server unles { ssl_fc }"} }, api.CodeInvalid, "unles"},
		"newline":                           {func(f *api.Frontend) { f.DefaultBackend = "legacy\nbackend x" }, api.CodeInvalid, "one word"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			before := f.read(t)
			fe := api.Frontend{Name: "shop", Mode: "http", Binds: []api.Bind{{Address: "*", Port: i64(8100)}}, DefaultBackend: "legacy"}
			tc.edit(&fe)
			_, err := f.m.CreateFrontend(fe)
			if code(err) != tc.code || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), `frontend "shop"`) {
				t.Errorf("err = %v (code %q), want code %q mentioning %q and the frontend", err, code(err), tc.code, tc.msg)
			}
			if after := f.read(t); after != before {
				t.Errorf("file changed:\n%s", after)
			}
		})
	}
}

func TestUserlistCRUD(t *testing.T) {
	f := newFixture(t)
	hash := "$6$saltsalt$Yl4m7e0bdwn0gTHQ4AFF4L0r6MtW5FxtJ7Kl8Q8Hq3hVgP4sR6p0tYm5J0k9hC.Yk2u4ZxH3tQ5O9YpW7c2bE/"
	ul := api.Userlist{Name: "members", Groups: []string{"gold", "silver"}, Users: []api.User{
		{Name: "vip", PasswordHash: hash, Groups: []string{"gold"}},
		{Name: "john", PasswordHash: hash, Groups: []string{}},
	}}
	got, err := f.m.CreateUserlist(ul)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(ul, got); diff != "" {
		t.Errorf("read-back (-want +got):\n%s", diff)
	}
	if !strings.Contains(f.read(t), "  user vip password "+hash+" groups gold\n") {
		t.Errorf("file lacks the user line:\n%s", f.read(t))
	}
	ul.Users = ul.Users[:1]
	ul.Groups = []string{"gold"}
	if got, err = f.m.UpdateUserlist(ul); err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(ul, got); diff != "" {
		t.Errorf("update read-back (-want +got):\n%s", diff)
	}
	// An update without a hash keeps the file's.
	keep := ul
	keep.Users = []api.User{{Name: "vip", Groups: []string{"gold"}}}
	if got, err = f.m.UpdateUserlist(keep); err != nil || got.Users[0].PasswordHash != hash {
		t.Errorf("update keeping the hash: %v, %+v", err, got)
	}
	keep.Users = append(keep.Users, api.User{Name: "new", Groups: []string{}})
	if _, err := f.m.UpdateUserlist(keep); code(err) != api.CodeInvalid {
		t.Errorf("new user without a hash: %v", err)
	}
	bad := ul
	bad.Users = []api.User{{Name: "eve", PasswordHash: "plaintext", Groups: []string{}}}
	if _, err := f.m.UpdateUserlist(bad); code(err) != api.CodeInvalid || strings.Contains(err.Error(), "plaintext") {
		t.Errorf("plaintext password: %v", err)
	}
	if err := f.m.DeleteUserlist("members"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := f.m.GetUserlist("members"); code(err) != api.CodeNotFound {
		t.Errorf("get after delete: %v", err)
	}
}
