package systemd

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func ptr(n int64) *int64 { return &n }

func TestQuoteArgs(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/bin/true"}, `"/bin/true"`},
		{[]string{"/bin/sh", "-c", `printf %s "$1"`}, `"/bin/sh" "-c" "printf %%s \"$$1\""`},
		{[]string{"a b", `back\slash`, "${HOME}", "line\nbreak"}, `"a b" "back\\slash" "$${HOME}" "line\nbreak"`},
	}
	for _, tt := range tests {
		got := quoteArgs(tt.args)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("quoteArgs(%q) (-want +got):\n%s", tt.args, diff)
		}
		back, err := splitWords(got, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.args, back); diff != "" {
			t.Errorf("splitWords(quoteArgs(%q)) (-want +got):\n%s", tt.args, diff)
		}
	}
}

func TestSplitWordsHandWritten(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{`/usr/bin/python3 -m http.server 8000`, []string{"/usr/bin/python3", "-m", "http.server", "8000"}},
		{`/bin/echo 'single quoted' "double" 100%%`, []string{"/bin/echo", "single quoted", "double", "100%"}},
	}
	for _, tt := range tests {
		got, err := splitWords(tt.line, true)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("splitWords(%q) (-want +got):\n%s", tt.line, diff)
		}
	}
	if _, err := splitWords(`"unterminated`, true); err == nil {
		t.Error("splitWords accepted an unterminated quote")
	}
}

// A service survives Render then Parse unchanged: what apply writes, read
// reports back, so a fresh apply plans nothing.
func TestRenderParseRoundTrip(t *testing.T) {
	tests := []api.Service{
		{Description: "minimal", ExecStart: []string{"/bin/true"}, Sandbox: true},
		{
			Description: "everything %i $x", ExecStart: []string{"/bin/sh", "-c", `printf %s "$1"`, "sh", `a b "c" $HOME`},
			WorkingDirectory: "/srv", Environment: map[string]string{"A": `x y "z" $q %n`, "B": ""},
			User: "www-data", Namespace: "ns1", PrivateNetwork: true, ReadWritePaths: []string{"/srv/a", "/srv/b"},
			StateDirectory: "app", CPUQuota: "150%", CPUWeight: ptr(200), MemoryMax: "512M", IOWeight: ptr(300),
			TasksMax: ptr(64), Restart: "always",
		},
	}
	for _, want := range tests {
		body, err := Render(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Parse(Render(%s)) (-want +got):\n%s\nunit:\n%s", want.Description, diff, body)
		}
	}
}

func TestParseHandEdit(t *testing.T) {
	body, err := Render(api.Service{ExecStart: []string{"/bin/true"}, Sandbox: true, CPUQuota: "150%"})
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(strings.Replace(string(body), "CPUQuota=150%", "CPUQuota=20%", 1), "ProtectHome=yes\n", "", 1)
	got, err := Parse([]byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	want := api.Service{ExecStart: []string{"/bin/true"}, Sandbox: false, CPUQuota: "20%"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse(hand-edited) (-want +got):\n%s", diff)
	}
}

// A unit written by hand, as the article's `systemd-run` line would be
// written down: no User= and no DynamicUser= (it runs as root), After= and
// other lines Switchyard does not manage, the namespace under /var/run as
// the article names it. It reads as user root, so a
// later write keeps it root instead of switching it to a dynamic user.
func TestParseHandWrittenUnitRunsAsRoot(t *testing.T) {
	const hand = `[Unit]
Description=directory server
After=network.target

[Service]
PrivateNetwork=yes
NetworkNamespacePath=/var/run/netns/my-new-namespace
ExecStart=/usr/bin/python3 -m http.server --directory /var/www 8000

[Install]
WantedBy=multi-user.target
`
	got, err := Parse([]byte(hand))
	if err != nil {
		t.Fatal(err)
	}
	want := api.Service{
		Description: "directory server", User: "root", Namespace: "my-new-namespace", PrivateNetwork: true,
		ExecStart: []string{"/usr/bin/python3", "-m", "http.server", "--directory", "/var/www", "8000"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse(hand-written) (-want +got):\n%s", diff)
	}
	for unitText, wantUser := range map[string]string{
		"[Service]\nExecStart=/bin/true\nDynamicUser=yes\n": "",
		"[Service]\nExecStart=/bin/true\nUser=www-data\n":   "www-data",
		"[Service]\nExecStart=/bin/true\nDynamicUser=no\n":  "root",
	} {
		got, err := Parse([]byte(unitText))
		if err != nil {
			t.Fatal(err)
		}
		if got.User != wantUser {
			t.Errorf("Parse(%q).User = %q, want %q", unitText, got.User, wantUser)
		}
	}
}
