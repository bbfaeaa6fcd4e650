package systemd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestImportable(t *testing.T) {
	body, err := Render(api.Service{Description: "app", ExecStart: []string{"/usr/bin/app", "--port", "8080"}, Restart: "on-failure", Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Importable(body); err != nil {
		t.Errorf("a unit Switchyard wrote is not importable: %v", err)
	}
	extra := strings.Replace(string(body), "[Service]\n", "[Service]\nLimitNOFILE=4096\n", 1)
	err = Importable([]byte(extra))
	if err == nil || !strings.Contains(err.Error(), "LimitNOFILE=4096") {
		t.Errorf("a unit with a line the resource does not model: got %v, want an error naming the line", err)
	}
	// A unit Switchyard wrote, edited by hand: the header promises its
	// edits are reverted, so it must be exactly Render's.
	edited := strings.Replace(string(body), "[Unit]\n", "[Unit]\nAfter=network.target\n", 1)
	if err := Importable([]byte(edited)); err == nil {
		t.Error("a unit with Switchyard's header and a hand-added line was importable")
	}
}

// A unit written by hand is importable in its own order and spelling, with
// ordering and documentation lines, which a rewrite keeps; a line the
// resource does not model, or a partial sandbox, makes it unsupported.
func TestImportableHandWritten(t *testing.T) {
	const hand = "[Unit]\nDescription=directory server\nDocumentation=man:python3(1)\nAfter=network.target\n\n" +
		"[Service]\nPrivateNetwork=yes\nNetworkNamespacePath=/var/run/netns/my-new-namespace\n" +
		"ExecStart=/usr/bin/python3 -m http.server 8000\n\n[Install]\nWantedBy=multi-user.target\n"
	if err := Importable([]byte(hand)); err != nil {
		t.Errorf("the article's unit, written by hand: %v", err)
	}
	for name, tc := range map[string]struct{ edit, wantErr string }{
		"unmodelled line":   {"ExecStartPre=/bin/true\n", "ExecStartPre=/bin/true"},
		"partial sandbox":   {"ProtectSystem=strict\n", "ProtectSystem=strict"},
		"forking type":      {"Type=forking\n", "Type=forking"},
		"limit of a kind":   {"LimitNOFILE=4096\n", "LimitNOFILE=4096"},
		"exec type is fine": {"Type=exec\n", ""},
	} {
		err := Importable([]byte(strings.Replace(hand, "[Service]\n", "[Service]\n"+tc.edit, 1)))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: got %v, want an error naming %q", name, err, tc.wantErr)
		}
	}
}

// A rewrite of an adopted hand-written unit keeps its ordering and
// documentation lines and no header; Switchyard's own units are rendered
// as always.
func TestRenderKeeping(t *testing.T) {
	s := api.Service{Description: "app", ExecStart: []string{"/bin/app"}, User: "root", Namespace: "ns", PrivateNetwork: true, CPUWeight: ptr(int64(200))}
	old := []byte("[Unit]\nDescription=app\nAfter=network.target\nWants=network-online.target\n\n[Service]\nExecStart=/bin/app\n")
	got, err := RenderKeeping(s, old)
	if err != nil {
		t.Fatal(err)
	}
	want := "[Unit]\nDescription=app\nRequires=switchyard-netns@ns.service\nAfter=switchyard-netns@ns.service\n" +
		"After=network.target\nWants=network-online.target\n\n[Service]\nType=exec\nExecStart=\"/bin/app\"\nUser=root\n" +
		"NetworkNamespacePath=/run/netns/ns\nPrivateNetwork=yes\nCPUWeight=200\n\n[Install]\nWantedBy=multi-user.target\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("RenderKeeping (-want +got):\n%s", diff)
	}
	if err := Importable(got); err != nil {
		t.Errorf("the rewrite is not importable itself: %v", err)
	}
	again, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, again); diff != "" {
		t.Errorf("the rewrite reads back (-want +got):\n%s", diff)
	}
	managed, _ := Render(s)
	if got, _ := RenderKeeping(s, managed); string(got) != string(managed) {
		t.Errorf("a unit Switchyard wrote is not rendered as Render does:\n%s", got)
	}
}

func TestServicesInventory(t *testing.T) {
	dir := t.TempDir()
	good, err := Render(api.Service{Description: "ok", ExecStart: []string{"/bin/true"}})
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.service", string(good))
	write("hand.service", "[Service]\nExecStart=/bin/sleep 1000\nLimitNOFILE=4096\n")
	write("byhand.service", "[Unit]\nAfter=network.target\n[Service]\nExecStart=/bin/sleep 1000\n")
	write("tmpl@.service", string(good))
	write("other.timer", string(good))
	if err := os.Symlink("/dev/null", filepath.Join(dir, "masked.service")); err != nil {
		t.Fatal(err)
	}
	v := &Services{UnitDir: dir}
	names, bad, err := v.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"byhand", "good"}, names); diff != "" {
		t.Errorf("importable (-want +got):\n%s", diff)
	}
	if len(bad) != 1 || bad[0].Name != "hand" || bad[0].Kind != "service" || !strings.Contains(bad[0].Reason, "hand.service") {
		t.Errorf("unsupported = %+v, want only service hand with its path", bad)
	}
}

func TestCheckImportable(t *testing.T) {
	dir := t.TempDir()
	good, err := Render(api.Service{Description: "ok", ExecStart: []string{"/bin/true"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "good.service"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	// A unit written by hand with a line the resource does not model.
	if err := os.WriteFile(filepath.Join(dir, "hand.service"), []byte("[Service]\nExecStart=/bin/true\nLimitNOFILE=4096\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// One written by hand with only modelled and ordering lines.
	if err := os.WriteFile(filepath.Join(dir, "byhand.service"), []byte("[Unit]\nAfter=network.target\n[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := &Services{UnitDir: dir}
	for _, name := range []string{"good", "byhand"} {
		if err := v.CheckImportable(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	err = v.CheckImportable("hand")
	if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), "cannot be imported") || !strings.Contains(err.Error(), "hand.service") {
		t.Errorf("hand: got %v, want CodeInvalid naming the file", err)
	}
	if err := v.CheckImportable("none"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("none: got %v, want CodeNotFound", err)
	}
}
