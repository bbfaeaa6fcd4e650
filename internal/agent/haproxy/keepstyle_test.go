package haproxy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	parser "github.com/haproxytech/client-native/v5/config-parser"
	parseropts "github.com/haproxytech/client-native/v5/config-parser/options"
	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"
)

// handWritten is a configuration in a person's style: tabs, comments above
// and inside sections, an inline comment, an unnamed defaults, a userlist
// before the frontend (client-native renders it after), an acl after an
// http-request rule (client-native renders acls first) and no blank lines
// between some sections.
const handWritten = `# Our edge, written by hand.
global
	daemon
	maxconn 256   # enough for now

defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s

userlist mycredentials
	user vip insecure-password ipaygoodmoneyforthis

# The public side.
frontend http-in
	bind *:80
	http-request auth unless { http_auth(mycredentials) }
	acl is_app3 path_beg /app3
	use_backend app3 if is_app3
	default_backend servers
# The pool.
backend servers
	balance roundrobin
	# the first two are the old machines
	server app1 127.0.0.1:8080
	server app2 127.0.0.1:8081
	server app3 127.0.0.1:8082

backend app3
	server app3 10.0.0.2:8080
`

// Every commit rewrites only the lines of what changed; the rest of the file
// stays byte for byte as its author wrote it.
func TestKeepStyleCommit(t *testing.T) {
	needHAProxy(t)
	for name, tc := range map[string]struct {
		apply applyFunc
		want  string // the whole file after the commit
	}{
		"server line changed in place": {
			apply: func(cl configuration.Configuration, tx string) error {
				port := int64(9081)
				w := int64(5)
				return cl.EditServer("app2", "backend", "servers", &models.Server{Name: "app2", Address: "127.0.0.1", Port: &port, ServerParams: models.ServerParams{Weight: &w}}, tx, 0)
			},
			want: strings.Replace(handWritten, "\tserver app2 127.0.0.1:8081\n", "\tserver app2 127.0.0.1:9081 weight 5\n", 1),
		},
		"server added after its neighbour": {
			apply: func(cl configuration.Configuration, tx string) error {
				port := int64(8083)
				return cl.CreateServer("backend", "servers", &models.Server{Name: "app4", Address: "127.0.0.1", Port: &port}, tx, 0)
			},
			want: strings.Replace(handWritten, "\tserver app3 127.0.0.1:8082\n", "\tserver app3 127.0.0.1:8082\n\tserver app4 127.0.0.1:8083\n", 1),
		},
		"server removed, its comment neighbour kept": {
			apply: func(cl configuration.Configuration, tx string) error {
				return cl.DeleteServer("app1", "backend", "servers", tx, 0)
			},
			want: strings.Replace(handWritten, "\tserver app1 127.0.0.1:8080\n", "", 1),
		},
		"section removed with its comment block": {
			apply: func(cl configuration.Configuration, tx string) error {
				if err := cl.EditFrontend("http-in", frontendWithoutApp3(t, cl, tx), tx, 0); err != nil {
					return err
				}
				return cl.DeleteBackend("app3", tx, 0)
			},
			want: strings.Replace(strings.Replace(handWritten,
				"\tuse_backend app3 if is_app3\n", "", 1),
				"\nbackend app3\n\tserver app3 10.0.0.2:8080\n", "", 1),
		},
		"section added after the last of its kind": {
			apply: func(cl configuration.Configuration, tx string) error {
				return cl.CreateBackend(&models.Backend{Name: "zz"}, tx, 0)
			},
			want: handWritten + "\nbackend zz\n",
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, path := openHandWritten(t, handWritten)
			c.logf = func(format string, args ...any) { t.Logf(format, args...) }
			if err := c.transact(context.Background(), tc.apply); err != nil {
				t.Fatal(err)
			}
			got := readFile(t, path)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("file after commit (-want +got):\n%s", diff)
			}
			// Idempotent: the same change again writes nothing.
			if err := c.transact(context.Background(), tc.apply); err == nil {
				if again := readFile(t, path); again != got {
					t.Errorf("second commit of the same change rewrote the file:\n%s", cmp.Diff(got, again))
				}
			}
		})
	}
}

// A transaction that changes nothing leaves a hand-written file alone (no
// first-commit rewrite into canonical form): the adoption's no-op apply.
func TestKeepStyleNoChangeWritesNothing(t *testing.T) {
	needHAProxy(t)
	c, path := openHandWritten(t, handWritten)
	err := c.transact(context.Background(), func(cl configuration.Configuration, tx string) error {
		_, b, err := cl.GetBackend("servers", tx)
		if err != nil {
			return err
		}
		return cl.EditBackend("servers", b, tx, 0)
	})
	if err != errNoChange {
		t.Fatalf("want errNoChange, got %v", err)
	}
	if got := readFile(t, path); got != handWritten {
		t.Errorf("file rewritten:\n%s", cmp.Diff(handWritten, got))
	}
}

// A section whose lines client-native renders in another form than the file
// has them cannot be spliced: that section (and only it) is written in
// canonical form, and the log says so.
func TestKeepStyleFallsBackPerSection(t *testing.T) {
	needHAProxy(t)
	// client-native renders cookie's keywords in its own order.
	const orig = "global\n\tdaemon\n\nfrontend f\n\tbind 127.0.0.1:8124\n\tdefault_backend b\n\nbackend b\n\tcookie SRV insert indirect nocache\n\tserver s1 127.0.0.1:8080\n"
	c, path := openHandWritten(t, orig)
	var notes []string
	c.logf = func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	if err := c.transact(context.Background(), func(cl configuration.Configuration, tx string) error {
		port := int64(8081)
		return cl.CreateServer("backend", "b", &models.Server{Name: "s2", Address: "127.0.0.1", Port: &port}, tx, 0)
	}); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	want := "global\n\tdaemon\n\nfrontend f\n\tbind 127.0.0.1:8124\n\tdefault_backend b\n\nbackend b\n  cookie SRV indirect nocache insert\n  server s1 127.0.0.1:8080\n  server s2 127.0.0.1:8081\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("file after commit (-want +got):\n%s", diff)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], `section "backend b": its lines do not match`) {
		t.Errorf("want one note naming backend b, log says %q", notes)
	}
}

// The splice is checked by parsing its result: when it does not mean what
// the transaction means, the canonical rendering is written and noted.
func TestKeepStyleVerifiesTheSplice(t *testing.T) {
	for name, tc := range map[string]struct {
		orig, before, after string
		wantOut             string
		wantNote            string
	}{
		"unmatched line: section in canonical form": {
			orig:     "backend b\n\tserver s1 127.0.0.1:8080\n\tmystery line\n",
			before:   "backend b\n  server s1 127.0.0.1:8080\n",
			after:    "backend b\n  server s1 127.0.0.1:8081\n",
			wantOut:  "backend b\n  server s1 127.0.0.1:8081\n",
			wantNote: `section "backend b": its lines do not match`,
		},
		"splice that would not read back: whole canonical file": {
			// A canonical line client-native itself would render
			// otherwise: the spliced file reads back differently.
			orig:     "backend b\n\tserver s1 127.0.0.1:8080\n",
			before:   "backend b\n  server s1 127.0.0.1:8080\n",
			after:    "backend b\n  server   s1 127.0.0.1:8081\n",
			wantOut:  "backend b\n  server   s1 127.0.0.1:8081\n",
			wantNote: "keeping the file's own style failed",
		},
	} {
		t.Run(name, func(t *testing.T) {
			out, notes := keepStyle(tc.orig, tc.before, tc.after)
			if out != tc.wantOut {
				t.Errorf("out:\n%s", cmp.Diff(tc.wantOut, out))
			}
			if !strings.Contains(strings.Join(notes, "\n"), tc.wantNote) {
				t.Errorf("notes %q lack %q", notes, tc.wantNote)
			}
		})
	}
}

// Section order, comments and blank lines survive a change in every
// section at once, and the second identical commit is a no-op.
func TestKeepStyleKeepsOrderAcrossSections(t *testing.T) {
	orig := "# top\n\nbackend b\n\tserver s 127.0.0.1:1\n\n# f\nfrontend f\n\tbind :80\n\tdefault_backend b\nuserlist u\n\tuser a password $5$x$y\n"
	p, err := parser.New(parseropts.NoNamedDefaultsFrom, parseropts.String(orig))
	if err != nil {
		t.Fatal(err)
	}
	before := p.String()
	after := strings.NewReplacer("bind :80", "bind :81", "127.0.0.1:1", "127.0.0.1:2", "$5$x$y", "$5$x$z").Replace(before)
	want := "# top\n\nbackend b\n\tserver s 127.0.0.1:2\n\n# f\nfrontend f\n\tbind :81\n\tdefault_backend b\nuserlist u\n\tuser a password $5$x$z\n"
	out, notes := keepStyle(orig, before, after)
	if diff := cmp.Diff(want, out); diff != "" || len(notes) > 0 {
		t.Errorf("out (-want +got):\n%s\nnotes: %v", diff, notes)
	}
	if again, _ := keepStyle(out, after, after); again != out {
		t.Errorf("not idempotent:\n%s", cmp.Diff(out, again))
	}
}

func openHandWritten(t *testing.T, text string) (*config, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := newConfig(context.Background(), path, haproxyBin, filepath.Join(dir, "tx"))
	if err != nil {
		t.Fatal(err)
	}
	return c, path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// frontendWithoutApp3 is http-in with its use_backend rule to app3 removed.
func frontendWithoutApp3(t *testing.T, cl configuration.Configuration, tx string) *models.Frontend {
	t.Helper()
	_, rules, err := cl.GetBackendSwitchingRules("http-in", tx)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(rules) - 1; i >= 0; i-- {
		if rules[i].Name == "app3" {
			if err := cl.DeleteBackendSwitchingRule(int64(i), "http-in", tx, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, f, err := cl.GetFrontend("http-in", tx)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
