package lab

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestUnescapeMount(t *testing.T) {
	if got := unescapeMount(`/tmp/a\040b\134c`); got != `/tmp/a b\c` {
		t.Errorf("got %q", got)
	}
}

// removeAllNoMounts must unmount before deleting, never delete through a
// mount (a leftover /proc in a crashed debootstrap, a mounted base image).
func TestRemoveAllNoMountsUnmountsFirst(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount")
	}
	dir := t.TempDir()
	keep := filepath.Join(t.TempDir(), "keep")
	if err := os.MkdirAll(keep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(keep, "precious"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "tmp base", "proc")
	if err := os.MkdirAll(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(keep, target, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(target, syscall.MNT_DETACH) })
	if got := mountsUnder(dir); len(got) != 1 || got[0] != target {
		t.Fatalf("mountsUnder = %v", got)
	}
	if err := removeAllNoMounts(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", dir, err)
	}
	if _, err := os.Stat(filepath.Join(keep, "precious")); err != nil {
		t.Errorf("deleted through the mount: %v", err)
	}
}
