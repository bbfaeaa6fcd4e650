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
	if err := Importable([]byte(strings.TrimPrefix(string(body), Header))); err == nil {
		t.Error("a unit without Switchyard's header was importable")
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
	write("hand.service", "[Service]\nExecStart=/bin/sleep 1000\n")
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
	if diff := cmp.Diff([]string{"good"}, names); diff != "" {
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
	if err := os.WriteFile(filepath.Join(dir, "hand.service"), []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := &Services{UnitDir: dir}
	if err := v.CheckImportable("good"); err != nil {
		t.Errorf("good: %v", err)
	}
	err = v.CheckImportable("hand")
	if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), "cannot be imported") || !strings.Contains(err.Error(), "hand.service") {
		t.Errorf("hand: got %v, want CodeInvalid naming the file", err)
	}
	if err := v.CheckImportable("none"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("none: got %v, want CodeNotFound", err)
	}
}
