package haproxy

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

const (
	snippetBegin = "  ###_config-snippet_### BEGIN\n"
	snippetEnd   = "  ###_config-snippet_### END\n"
)

// A backend's extra lines are written as the owned block, read back
// exactly, cost a reload when they change, are removed by an empty list,
// are left alone when not managed, and a hand edit inside the block reads
// back as it is.
func TestBackendExtraLines(t *testing.T) {
	f := newFixture(t)
	want := web()
	want.ExtraLines = &[]string{"option http-keep-alive", "http-reuse always", "compression algo gzip"}
	got, err := f.m.CreateBackend(t.Context(), want)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("create read-back (-want +got):\n%s", diff)
	}
	block := snippetBegin + "  option http-keep-alive\n  http-reuse always\n  compression algo gzip\n" + snippetEnd
	if file := f.read(t); !strings.Contains(file, block) {
		t.Errorf("config file lacks the owned block %q:\n%s", block, file)
	}

	reloads := f.reloader.calls.Load()
	want.ExtraLines = &[]string{"http-reuse safe", "option http-keep-alive"}
	if got, err = f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("update read-back (-want +got):\n%s", diff)
	}
	if n := f.reloader.calls.Load(); n != reloads+1 {
		t.Errorf("reloads %d -> %d, want one: an extra line is not a runtime change", reloads, n)
	}

	// Not managed: the block stays as it is.
	unmanaged := web()
	if got, err = f.m.UpdateBackend(t.Context(), unmanaged); err != nil {
		t.Fatalf("unmanaged update: %v", err)
	}
	if diff := cmp.Diff(want.ExtraLines, got.ExtraLines); diff != "" {
		t.Errorf("an update that does not manage extra lines changed them (-want +got):\n%s", diff)
	}

	// A hand edit inside the block is what a read returns.
	file := strings.Replace(f.read(t), "  http-reuse safe\n", "  http-reuse never\n", 1)
	if err := os.WriteFile(f.cfgPath, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = f.m.GetBackend(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&[]string{"http-reuse never", "option http-keep-alive"}, got.ExtraLines); diff != "" {
		t.Errorf("read after a hand edit (-want +got):\n%s", diff)
	}

	want.ExtraLines = &[]string{}
	if got, err = f.m.UpdateBackend(t.Context(), want); err != nil {
		t.Fatalf("removing update: %v", err)
	}
	if got.ExtraLines != nil {
		t.Errorf("extra lines after removing them = %v, want none", *got.ExtraLines)
	}
	if file := f.read(t); strings.Contains(file, "config-snippet") || strings.Contains(file, "http-reuse") {
		t.Errorf("the owned block survived an empty list:\n%s", file)
	}
}

func TestFrontendExtraLines(t *testing.T) {
	f := newFixture(t)
	if _, err := f.m.CreateUserlist(api.Userlist{Name: "legacyusers", Groups: []string{}, Users: []api.User{}}); err != nil {
		t.Fatalf("userlist: %v", err)
	}
	want := shop()
	want.ExtraLines = &[]string{"option http-keep-alive", "timeout client 30s"}
	got, err := f.m.CreateFrontend(want)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("create read-back (-want +got):\n%s", diff)
	}
	// Updating the typed attributes keeps the block where the parser
	// keeps it, unchanged.
	want.Maxconn = i64(200)
	if got, err = f.m.UpdateFrontend(want); err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("update read-back (-want +got):\n%s", diff)
	}
	if file := f.read(t); !strings.Contains(file, snippetBegin+"  option http-keep-alive\n  timeout client 30s\n"+snippetEnd) {
		t.Errorf("config file lacks the owned block:\n%s", file)
	}
}

// A line HAProxy does not know is refused by `haproxy -c` with its own
// words, naming the section; a line the grammar refuses never reaches the
// pipeline. Either way the file is untouched and nothing reloads.
func TestExtraLinesRefused(t *testing.T) {
	tests := []struct {
		name       string
		lines      []string
		code       string
		messageHas string
		detailHas  string
	}{
		{
			name:       "haproxy -c refuses an unknown keyword",
			lines:      []string{"option http-keep-alive", "frobnicate on"},
			code:       api.CodeRejected,
			messageHas: `backend "web": HAProxy rejected the configuration`,
			detailHas:  "frobnicate",
		},
		{
			name:       "a first-class keyword points to its attribute",
			lines:      []string{"balance leastconn"},
			code:       api.CodeInvalid,
			messageHas: "balance attribute",
		},
		{
			name:       "a section keyword would leave the section",
			lines:      []string{"frontend evil"},
			code:       api.CodeInvalid,
			messageHas: "new \"frontend\" section",
		},
		{
			name:       "a line break would smuggle a second line",
			lines:      []string{"http-reuse always\nserver x 127.0.0.1:1"},
			code:       api.CodeInvalid,
			messageHas: "line break",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if _, err := f.m.CreateBackend(t.Context(), web()); err != nil {
				t.Fatal(err)
			}
			before, reloads := f.read(t), f.reloader.calls.Load()
			b := web()
			b.ExtraLines = &tt.lines
			_, err := f.m.UpdateBackend(t.Context(), b)
			e, ok := api.AsError(err)
			if !ok {
				t.Fatalf("err = %v, want an *api.Error", err)
			}
			t.Logf("message: %s\ndetail: %s", e.Message, e.Detail)
			if e.Code != tt.code || !strings.Contains(e.Message, tt.messageHas) || !strings.Contains(e.Detail, tt.detailHas) {
				t.Errorf("got %q %q (detail %q), want %q with %q (detail %q)", e.Code, e.Message, e.Detail, tt.code, tt.messageHas, tt.detailHas)
			}
			if after := f.read(t); after != before {
				t.Errorf("file changed:\n%s", cmp.Diff(before, after))
			}
			if n := f.reloader.calls.Load(); n != reloads {
				t.Errorf("reloads %d -> %d, want none", reloads, n)
			}
		})
	}
}
