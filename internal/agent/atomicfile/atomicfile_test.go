package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestWriteKeepsModeAndOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("run as root: the test changes a file's owner (the agent runs as root)")
	}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 1234, 5678); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new\n"), New(0o644)); err != nil {
		t.Fatal(err)
	}
	got, err := Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Perm{Mode: 0o640, UID: 1234, GID: 5678}); got != want {
		t.Errorf("after Write: %+v, want %+v", got, want)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("content %q", b)
	}
}

func TestWriteNewFileTakesDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.map")
	if err := Write(path, []byte("a b\n"), New(0o604)); err != nil {
		t.Fatal(err)
	}
	got, err := Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// 0604 is not what any umask leaves of 0666 or 0600, so it proves the
	// mode was set rather than inherited.
	if got.Mode != 0o604 || got.UID != os.Geteuid() || got.GID != os.Getegid() {
		t.Errorf("new file: %+v, want mode 0604 owned by %d:%d", got, os.Geteuid(), os.Getegid())
	}
}

// TestConcurrentWritersNeverShowAPartialFile: readers racing many writers
// only ever see one whole version.
func TestConcurrentWritersNeverShowAPartialFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	versions := make([][]byte, 8)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 256<<10)
	}
	if err := Write(path, versions[0], New(0o644)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 64)
	for _, v := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if err := Write(path, v, New(0o644)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	var bad []string
	var badMu sync.Mutex
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				b, err := os.ReadFile(path)
				if err != nil {
					badMu.Lock()
					bad = append(bad, err.Error())
					badMu.Unlock()
					continue
				}
				if len(b) != 256<<10 || bytes.Count(b, b[:1]) != len(b) {
					badMu.Lock()
					bad = append(bad, "partial or mixed content")
					badMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(bad) > 0 {
		t.Errorf("%d bad reads, first: %s", len(bad), bad[0])
	}
	assertNoTemps(t, dir)
}

func TestWriteFailureLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	// A directory in the file's place makes the rename fail after the
	// temporary file was written.
	path := filepath.Join(dir, "taken")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WritePerm(path, []byte("data"), New(0o644)); err == nil {
		t.Fatal("writing over a non-empty directory succeeded")
	}
	assertNoTemps(t, dir)
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".switchyard-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
