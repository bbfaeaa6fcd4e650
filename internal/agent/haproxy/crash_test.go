package haproxy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// TestPanicInBatchFailsTheBatchAndKeepsTheAgent: a panic on the committer
// goroutine (where client-native runs) must fail that batch with an
// internal error, not end the process, and the next change must work.
func TestPanicInBatchFailsTheBatchAndKeepsTheAgent(t *testing.T) {
	f := newFixture(t)
	err := f.m.submit(func(configuration.Configuration, string) error { panic("boom in client-native") })
	if code(err) != api.CodeInternal || !strings.Contains(err.Error(), "boom in client-native") {
		t.Fatalf("panicking change: %v, want CodeInternal naming the panic", err)
	}
	if _, err := f.m.CreateBackend(t.Context(), api.Backend{Name: "after", Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(9000)}}}); err != nil {
		t.Fatalf("change after the panic: %v", err)
	}
	if !strings.Contains(f.read(t), "backend after") {
		t.Errorf("the change after the panic is not in the file:\n%s", f.read(t))
	}
}

// TestCheckRunsWhereTheServiceRuns: a relative path in the configuration is
// relative to /, where HAProxy runs, not to the agent's directory.
func TestCheckRunsWhereTheServiceRuns(t *testing.T) {
	needHAProxy(t)
	if _, err := os.Stat("/etc/hostname"); err != nil {
		t.Fatalf("the test needs /etc/hostname: %v", err)
	}
	if _, err := os.Stat("etc/hostname"); err == nil {
		t.Fatal("the test's directory has etc/hostname; it cannot tell the directories apart")
	}
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	body := "defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n" +
		"frontend f\n  bind 127.0.0.1:18080\n  acl known hdr(host) -f etc/hostname\n  http-request deny if !known\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkConfig(context.Background(), haproxyBin, cfg); err != nil {
		t.Errorf("haproxy -c of a file naming etc/hostname (relative to /): %v", err)
	}
}

// TestRetriedMapCreateConverges: a create that wrote the file and then
// failed (at the runtime change, or the answer was lost) is retried by
// Terraform; the retry must succeed, not find its own file.
func TestRetriedMapCreateConverges(t *testing.T) {
	ctx := context.Background()
	f := newMapFixture(t)
	entries := map[string]string{"vip": "deluxe", "john": "standard"}
	path := f.m.MapPath("users")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, renderMapFile(entries), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users", Entries: entries})
	if err != nil {
		t.Fatalf("retried create: %v", err)
	}
	if len(got.File) != 2 || got.File["vip"] != "deluxe" {
		t.Errorf("retried create read back %+v", got)
	}
	// A different existing file is still someone else's map.
	if _, err := f.m.CreateMap(ctx, api.MapSpec{Name: "users", Entries: map[string]string{"vip": "other"}}); !errors.Is(err, api.ErrExists) {
		t.Errorf("create over a different file: %v, want CodeExists", err)
	}
}

// TestRevivedNamespaceReloadsEvenWithoutChange: a batch whose changes are
// all no-ops still reloads when it recreated a namespace, because HAProxy
// keeps the deleted one open until then.
func TestRevivedNamespaceReloadsEvenWithoutChange(t *testing.T) {
	f := newFixture(t)
	// One commit first, so that the file is in client-native's own form
	// and a no-op transaction really is one (no `haproxy -c`, which would
	// refuse the missing namespace).
	if _, err := f.m.CreateBackend(t.Context(), api.Backend{Name: "first", Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(9000)}}}); err != nil {
		t.Fatal(err)
	}
	base := f.reloader.calls.Load()
	cfg := f.read(t) + "\nbackend inns\n  server s 127.0.0.1:9000 namespace blue\n"
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	revive := false
	f.m.opts.ReviveNamespace = func(_ context.Context, name string) (bool, error) {
		return revive && name == "blue", nil
	}
	noop := func(configuration.Configuration, string) error { return nil }
	if err := f.m.submit(noop); err != nil {
		t.Fatal(err)
	}
	if n := f.reloader.calls.Load() - base; n != 0 {
		t.Fatalf("a no-op batch reloaded %d times", n)
	}
	revive = true
	if err := f.m.submit(noop); err != nil {
		t.Fatal(err)
	}
	if n := f.reloader.calls.Load() - base; n != 1 {
		t.Errorf("a no-op batch that revived a namespace reloaded %d times, want 1", n)
	}
	if n := f.m.Reloads() - base; n != 1 {
		t.Errorf("Reloads() = %d, want the revive's reload counted", n)
	}
}

// TestReopenNamespacesGoesThroughThePipeline: the reload after a namespace
// was recreated is one of the pipeline's (counted, confirmed by the
// Reloader) and is skipped while HAProxy is stopped.
func TestReopenNamespacesGoesThroughThePipeline(t *testing.T) {
	f := newFixture(t)
	fakeSystemctl(t, f, true, false)
	if err := f.m.ReopenNamespaces(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := f.reloader.calls.Load(); n != 0 {
		t.Fatalf("reopen with HAProxy stopped reloaded %d times", n)
	}
	fakeSystemctl(t, f, true, true)
	if err := f.m.ReopenNamespaces(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, m := f.reloader.calls.Load(), f.m.Reloads(); n != 1 || m != 1 {
		t.Errorf("reopen: %d reloads, %d counted; want 1 and 1", n, m)
	}
	f.reloader.failN = 2 // the reload and the restore's
	if err := f.m.ReopenNamespaces(context.Background()); err == nil {
		t.Error("a failed reopen reload was not reported")
	}
}

// TestCommitKeepsModeAndOwner: client-native writes haproxy.cfg 0644
// root:root; a commit and a restore must leave the mode and owner it had.
func TestCommitKeepsModeAndOwner(t *testing.T) {
	f := newFixture(t)
	if err := os.Chown(f.cfgPath, 4321, 8765); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(f.cfgPath, 0o604); err != nil {
		t.Fatal(err)
	}
	want := atomicfile.Perm{Mode: 0o604, UID: 4321, GID: 8765}
	if _, err := f.m.CreateBackend(t.Context(), api.Backend{Name: "perm", Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(9000)}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := atomicfile.Stat(f.cfgPath); got != want {
		t.Errorf("after commit: %+v, want %+v", got, want)
	}
	f.reloader.failN = f.reloader.calls.Load() + 1 // the next reload fails: the file is restored
	if _, err := f.m.CreateBackend(t.Context(), api.Backend{Name: "perm2", Servers: []api.Server{{Name: "s", Address: "127.0.0.1", Port: i64(9001)}}}); err == nil {
		t.Fatal("the failed reload was not reported")
	}
	if got, _ := atomicfile.Stat(f.cfgPath); got != want {
		t.Errorf("after restore: %+v, want %+v", got, want)
	}
}

// TestPasswordsMakeTheConfigPrivate: with userlist hashes in it, the file
// is at most 0640 and group haproxy (here a stand-in gid).
func TestPasswordsMakeTheConfigPrivate(t *testing.T) {
	f := newFixture(t)
	f.m.cfg.secretGroup = func() int { return 4242 }
	if err := os.Chmod(f.cfgPath, 0o644); err != nil {
		t.Fatal(err)
	}
	hash := "$6$saltsalt$Yl4m7e0bdwn0gTHQ4AFF4L0r6MtW5FxtJ7Kl8Q8Hq3hVgP4sR6p0tYm5J0k9hC.Yk2u4ZxH3tQ5O9YpW7c2bE/"
	ul := api.Userlist{Name: "members", Groups: []string{}, Users: []api.User{{Name: "vip", PasswordHash: hash, Groups: []string{}}}}
	if _, err := f.m.CreateUserlist(ul); err != nil {
		t.Fatal(err)
	}
	got, err := atomicfile.Stat(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode != 0o640 || got.GID != 4242 {
		t.Errorf("with password hashes: mode %o gid %d, want 0640 and the haproxy group", got.Mode, got.GID)
	}
}

func TestConfigPerm(t *testing.T) {
	group := func() int { return 105 }
	prev := atomicfile.Perm{Mode: 0o664, UID: 0, GID: 0}
	tests := []struct {
		name string
		cfg  string
		want atomicfile.Perm
	}{
		{"no userlist", "global\n  daemon\nbackend b\n  server s 127.0.0.1:1\n", prev},
		{"userlist without passwords", "userlist u\n  group g\n  user a groups g\n", prev},
		{"hash", "userlist u\n  user a password $6$x$y\n", atomicfile.Perm{Mode: 0o640, UID: 0, GID: 105}},
		{"insecure password", "userlist u\n\tuser a insecure-password x\n", atomicfile.Perm{Mode: 0o640, UID: 0, GID: 105}},
		{"password word outside userlist", "backend b\n  http-request set-header x password\n  user password\n", prev},
		{"commented out", "userlist u\n  # user a password $6$x$y\n", prev},
	}
	for _, tt := range tests {
		if got := configPerm(prev, []byte(tt.cfg), group); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	// Already stricter than 0640: kept.
	if got := configPerm(atomicfile.Perm{Mode: 0o600}, []byte("userlist u\n  user a password h\n"), group); got.Mode != 0o600 {
		t.Errorf("0600 became %o", got.Mode)
	}
}
