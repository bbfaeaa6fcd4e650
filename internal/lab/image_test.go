package lab

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// The box's own files, as found on a machine of this project's kind.
const deb822Sample = `Types: deb
# http://snapshot.mirror.example/archive/debian/20250520T000000Z
URIs: http://deb.mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.mirror.example/archive/debian-security/20250520T000000Z
URIs: http://deb.mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`

func TestParseDeb822Sources(t *testing.T) {
	text := deb822Sample + `
Types: deb deb-src
URIs: http://mirror.example/debian
  http://second.example/debian
Suites: trixie
Components: main contrib
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: bookworm
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main
`
	want := []aptSource{
		{URIs: []string{"http://deb.mirror.example/debian"}, Suites: []string{"bookworm", "bookworm-updates"}, Components: []string{"main"}},
		{URIs: []string{"http://deb.mirror.example/debian-security"}, Suites: []string{"bookworm-security"}, Components: []string{"main"}},
		{URIs: []string{"http://mirror.example/debian", "http://second.example/debian"}, Suites: []string{"trixie"}, Components: []string{"main", "contrib"}},
	}
	if d := cmp.Diff(want, parseDeb822Sources(text)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseOneLineSources(t *testing.T) {
	text := `# comment
deb http://ftp.example/debian bookworm main contrib
deb-src http://ftp.example/debian bookworm main
deb [ arch=amd64 signed-by=/usr/share/keyrings/x.gpg ] https://other.example/debian bookworm-updates main # trailing
deb [arch=amd64] http://third.example/debian bookworm non-free
#deb http://commented.example/debian bookworm main
`
	want := []aptSource{
		{URIs: []string{"http://ftp.example/debian"}, Suites: []string{"bookworm"}, Components: []string{"main", "contrib"}},
		{URIs: []string{"https://other.example/debian"}, Suites: []string{"bookworm-updates"}, Components: []string{"main"}},
		{URIs: []string{"http://third.example/debian"}, Suites: []string{"bookworm"}, Components: []string{"non-free"}},
	}
	if d := cmp.Diff(want, parseOneLineSources(text)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestFindMirror(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    string
		wantErr bool
	}{
		{
			name:  "deb822 only, security listed too",
			files: map[string]string{"etc/apt/sources.list.d/debian.sources": deb822Sample},
			want:  "http://deb.mirror.example/debian",
		},
		{
			name: "sources.list first, disabled files ignored",
			files: map[string]string{
				"etc/apt/sources.list":                                "deb http://one.example/debian bookworm main\n",
				"etc/apt/sources.list.d/debian.sources":               deb822Sample,
				"etc/apt/sources.list.d/google.list.disabled-by-farm": "deb http://nope.example/apt bookworm main\n",
			},
			want: "http://one.example/debian",
		},
		{
			name: "third-party suites skipped",
			files: map[string]string{
				"etc/apt/sources.list.d/a-node.sources": "Types: deb\nURIs: https://node.example/node_20.x\nSuites: nodistro\nComponents: main\n",
				"etc/apt/sources.list.d/debian.sources": deb822Sample,
			},
			want: "http://deb.mirror.example/debian",
		},
		{
			name:    "nothing for bookworm",
			files:   map[string]string{"etc/apt/sources.list": "deb http://one.example/debian trixie main\n"},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for p, body := range tt.files {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := findMirror(root, "bookworm")
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestImageKey(t *testing.T) {
	files := fstest.MapFS{"assets/a.cfg": {Data: []byte("hello")}}
	pkgs := []string{"systemd", "haproxy"}
	// Fixed inputs give a fixed key: the expected values were computed
	// with sha256sum over the documented layout (see imageKey), so a change
	// to what the key covers, or how, shows here (and means every machine
	// rebuilds its base image).
	if got, want := imageKey("1", "bookworm", pkgs, files), "e11c3184884d"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	if got, want := imageKey("1", "bookworm", pkgs, fstest.MapFS{}), "e5caaba8e502"; got != want {
		t.Errorf("key without assets = %q, want %q", got, want)
	}

	// Each input on its own must change the key, so a cached base built
	// from other inputs is never reused.
	base := imageKey("1", "bookworm", pkgs, files)
	changed := map[string]string{
		"script version": imageKey("2", "bookworm", pkgs, files),
		"suite":          imageKey("1", "trixie", pkgs, files),
		"package added":  imageKey("1", "bookworm", append(slices.Clone(pkgs), "curl"), files),
		"package order":  imageKey("1", "bookworm", []string{"haproxy", "systemd"}, files),
		"asset content":  imageKey("1", "bookworm", pkgs, fstest.MapFS{"assets/a.cfg": {Data: []byte("hellO")}}),
		"asset renamed":  imageKey("1", "bookworm", pkgs, fstest.MapFS{"assets/b.cfg": {Data: []byte("hello")}}),
		"asset added": imageKey("1", "bookworm", pkgs, fstest.MapFS{
			"assets/a.cfg": {Data: []byte("hello")}, "assets/sub/c": {Data: nil},
		}),
	}
	for what, key := range changed {
		if key == base {
			t.Errorf("%s: key unchanged (%q)", what, key)
		}
	}
}

func TestImageKeyOnlyAssets(t *testing.T) {
	pkgs := []string{"systemd"}
	a := imageKey("1", "bookworm", pkgs, fstest.MapFS{"assets/a.cfg": {Data: []byte("hello")}})
	b := imageKey("1", "bookworm", pkgs, fstest.MapFS{"assets/a.cfg": {Data: []byte("hello")}, "other/x": {Data: []byte("x")}})
	if a != b {
		t.Errorf("a file outside assets/ changed the key: %q, %q", a, b)
	}
}

func TestBaseImagePath(t *testing.T) {
	// The real inputs: a name the cache directory can hold, 12 hex digits.
	if !regexp.MustCompile(`^base-[0-9a-f]{12}$`).MatchString(filepath.Base(baseImagePath())) {
		t.Errorf("base image path %q", baseImagePath())
	}
	if got := filepath.Dir(baseImagePath()); got != CacheDir {
		t.Errorf("base image in %q, want %q", got, CacheDir)
	}
}

func TestFileTailStripsColours(t *testing.T) {
	p := filepath.Join(t.TempDir(), "console.log")
	body := "one\n[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mssh.service\x1b[0m\nthree\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := fileTail(p, 2), "  [  OK  ] Started ssh.service\n  three"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
