package haproxy

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// The article's userlist, written by hand: both users have plaintext
// passwords in the file.
const (
	vipPlain  = "ipaygoodmoneyforthis"
	johnPlain = "somePassword"
	handUsers = "\nuserlist mycredentials\n  group gold\n" +
		"  user vip insecure-password " + vipPlain + " groups gold\n" +
		"  user john insecure-password " + johnPlain + "\n"
	testHash = "$6$saltsalt$Yl4m7e0bdwn0gTHQ4AFF4L0r6MtW5FxtJ7Kl8Q8Hq3hVgP4sR6p0tYm5J0k9hC.Yk2u4ZxH3tQ5O9YpW7c2bE/"
)

func handInsecureFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	if err := os.WriteFile(f.cfgPath, []byte(f.read(t)+handUsers), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// noPlaintext fails when any answer or error carries a plaintext password.
func noPlaintext(t *testing.T, what string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, vipPlain) || strings.Contains(s, johnPlain) {
		t.Errorf("%s carries a plaintext password: %s", what, s)
	}
}

// Every read path says only that a user's password is insecure.
func TestUserlistInsecurePasswordIsNeverSent(t *testing.T) {
	f := handInsecureFixture(t)
	want := api.Userlist{Name: "mycredentials", Groups: []string{"gold"}, Users: []api.User{
		{Name: "vip", InsecurePassword: true, Groups: []string{"gold"}},
		{Name: "john", InsecurePassword: true, Groups: []string{}},
	}}
	got, err := f.m.GetUserlist("mycredentials")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("get (-want +got):\n%s", diff)
	}
	noPlaintext(t, "get", got)
	snap, err := f.m.Snapshot(context.Background(), []string{api.KindUserlists})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, snap.Userlists["mycredentials"]); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
	noPlaintext(t, "snapshot", snap)
}

// An update keeps an insecure line only when asked to, turns it into a hash
// when given one, and refuses everything else with the file untouched and no
// password in the error.
func TestUpdateUserlistInsecurePassword(t *testing.T) {
	keepBoth := api.Userlist{Name: "mycredentials", Groups: []string{"gold"}, Users: []api.User{
		{Name: "vip", InsecurePassword: true, Groups: []string{"gold"}},
		{Name: "john", InsecurePassword: true, Groups: []string{}},
	}}
	with := func(edit func(u *api.Userlist)) api.Userlist {
		u := keepBoth
		u.Users = append([]api.User(nil), keepBoth.Users...)
		edit(&u)
		return u
	}
	for _, tc := range []struct {
		name     string
		update   api.Userlist
		wantErr  string // a part of the error; "" = success
		wantFile []string
		notFile  []string
	}{
		{
			name:     "kept as they are",
			update:   keepBoth,
			wantFile: []string{"user vip insecure-password " + vipPlain + " groups gold\n", "user john insecure-password " + johnPlain + "\n"},
		},
		{
			name: "one converted to a hash",
			update: with(func(u *api.Userlist) {
				u.Users[0] = api.User{Name: "vip", PasswordHash: testHash, Groups: []string{"gold"}}
			}),
			wantFile: []string{"user vip password " + testHash + " groups gold\n", "user john insecure-password " + johnPlain + "\n"},
			notFile:  []string{vipPlain},
		},
		{
			name:    "kept as if it were a hash",
			update:  with(func(u *api.Userlist) { u.Users[1].InsecurePassword = false }),
			wantErr: `user "john" has an insecure-password line on the machine`,
		},
		{
			name:    "insecure and a hash at once",
			update:  with(func(u *api.Userlist) { u.Users[1].PasswordHash = testHash }),
			wantErr: `user "john": an insecure password can only be kept`,
		},
		{
			name: "insecure asked for a new user",
			update: with(func(u *api.Userlist) {
				u.Users = append(u.Users, api.User{Name: "eve", InsecurePassword: true, Groups: []string{}})
			}),
			wantErr: `user "eve" has no insecure-password line on the machine to keep`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := handInsecureFixture(t)
			before := f.read(t)
			got, err := f.m.UpdateUserlist(tc.update)
			after := f.read(t)
			if tc.wantErr != "" {
				if code(err) != api.CodeInvalid || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want Invalid with %q", err, tc.wantErr)
				}
				noPlaintext(t, "error", err.Error())
				if after != before {
					t.Errorf("a refused update changed the file:\n%s", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			noPlaintext(t, "update answer", got)
			for _, s := range tc.wantFile {
				if !strings.Contains(after, s) {
					t.Errorf("file lacks %q:\n%s", s, after)
				}
			}
			for _, s := range tc.notFile {
				if strings.Contains(after, s) {
					t.Errorf("file still has %q:\n%s", s, after)
				}
			}
		})
	}
}

// A hash that was a hash stays one: a user whose line is secure cannot be
// turned into a kept insecure one.
func TestUpdateUserlistNeverMakesAPasswordInsecure(t *testing.T) {
	f := newFixture(t)
	ul := api.Userlist{Name: "members", Groups: []string{}, Users: []api.User{{Name: "ann", PasswordHash: testHash, Groups: []string{}}}}
	if _, err := f.m.CreateUserlist(ul); err != nil {
		t.Fatal(err)
	}
	before := f.read(t)
	ul.Users[0] = api.User{Name: "ann", InsecurePassword: true, Groups: []string{}}
	if _, err := f.m.UpdateUserlist(ul); code(err) != api.CodeInvalid || !strings.Contains(err.Error(), "never writes a plaintext password") {
		t.Errorf("update to insecure: %v", err)
	}
	if after := f.read(t); after != before {
		t.Errorf("a refused update changed the file:\n%s", after)
	}
	ul.Name = "fresh"
	if _, err := f.m.CreateUserlist(ul); code(err) != api.CodeInvalid || !strings.Contains(err.Error(), "never writes a plaintext password") {
		t.Errorf("create with an insecure password: %v", err)
	}
}
