package haproxy

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// global's and defaults' extra lines are the owned block of each section,
// read back exactly, kept by a change of a typed attribute (which pushes
// the global model), left alone when not managed, removed by an empty list.
func TestInstanceExtraLines(t *testing.T) {
	f := newFixture(t)
	fakeSystemctl(t, f, true, true)
	global := []string{"tune.bufsize 32768", "stats timeout 30s"}
	defaults := []string{"timeout http-request 10s", "option dontlognull"}
	got, err := f.m.ApplyInstance(t.Context(), api.Instance{GlobalExtraLines: &global, DefaultsExtraLines: &defaults})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if diff := cmp.Diff(&global, got.GlobalExtraLines); diff != "" {
		t.Errorf("global read-back (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&defaults, got.DefaultsExtraLines); diff != "" {
		t.Errorf("defaults read-back (-want +got):\n%s", diff)
	}
	file := f.read(t)
	for _, block := range []string{
		snippetBegin + "  tune.bufsize 32768\n  stats timeout 30s\n" + snippetEnd,
		snippetBegin + "  timeout http-request 10s\n  option dontlognull\n" + snippetEnd,
	} {
		if !strings.Contains(file, block) {
			t.Errorf("config file lacks the owned block %q:\n%s", block, file)
		}
	}

	// A typed change rewrites global and defaults from their models: the
	// blocks stay.
	if got, err = f.m.ApplyInstance(t.Context(), api.Instance{Maxconn: i64(3000), TimeoutClient: i64(9000)}); err != nil {
		t.Fatalf("typed apply: %v", err)
	}
	if !cmp.Equal(&global, got.GlobalExtraLines) || !cmp.Equal(&defaults, got.DefaultsExtraLines) {
		t.Errorf("a typed change lost extra lines: global %v, defaults %v", got.GlobalExtraLines, got.DefaultsExtraLines)
	}

	// A hand edit inside the block reads back as it is.
	edited := strings.Replace(f.read(t), "  tune.bufsize 32768\n", "  tune.bufsize 16384\n", 1)
	if err := os.WriteFile(f.cfgPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err = f.m.GetInstance(t.Context()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&[]string{"tune.bufsize 16384", "stats timeout 30s"}, got.GlobalExtraLines); diff != "" {
		t.Errorf("read after a hand edit (-want +got):\n%s", diff)
	}

	if got, err = f.m.ApplyInstance(t.Context(), api.Instance{GlobalExtraLines: &[]string{}, DefaultsExtraLines: &[]string{}}); err != nil {
		t.Fatalf("removing apply: %v", err)
	}
	if got.GlobalExtraLines != nil || got.DefaultsExtraLines != nil {
		t.Errorf("extra lines after removing them: %v, %v", got.GlobalExtraLines, got.DefaultsExtraLines)
	}
	if file := f.read(t); strings.Contains(file, "config-snippet") || strings.Contains(file, "tune.bufsize") {
		t.Errorf("an owned block survived an empty list:\n%s", file)
	}
}

// What the provider refuses at plan time the agent refuses too, before
// anything is queued; what only HAProxy knows fails `haproxy -c` with its
// message and leaves the file as it was.
func TestInstanceExtraLinesRefused(t *testing.T) {
	f := newFixture(t)
	fakeSystemctl(t, f, true, true)
	before := f.read(t)
	for _, tc := range []struct {
		in   api.Instance
		code string
		want string
	}{
		{api.Instance{GlobalExtraLines: &[]string{"maxconn 10"}}, api.CodeInvalid, "maxconn attribute"},
		{api.Instance{DefaultsExtraLines: &[]string{"mode tcp"}}, api.CodeInvalid, "defaults_extra_lines[0]"},
		{api.Instance{GlobalExtraLines: &[]string{"tune.no-such-keyword 1"}}, api.CodeRejected, "tune.no-such-keyword"},
	} {
		_, err := f.m.ApplyInstance(t.Context(), tc.in)
		if code(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("apply %+v: %v, want %s with %q", tc.in, err, tc.code, tc.want)
		}
	}
	if f.read(t) != before {
		t.Error("a refused change altered the file")
	}
}

// A cache's extra lines are its process-vary and max-secondary-entries,
// read back in the parser's order, kept when not managed and removed by an
// empty list; anything else is refused.
func TestCacheExtraLines(t *testing.T) {
	f := newFixture(t)
	want := api.Cache{Name: "static", TotalMaxSize: 16, ExtraLines: &[]string{"max-secondary-entries 4", "process-vary on"}}
	got, err := f.m.CreateCache(want)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read-back (-want +got):\n%s", diff)
	}
	if file := f.read(t); !strings.Contains(file, "  max-secondary-entries 4\n  process-vary on\n") {
		t.Errorf("the lines are not in the cache section:\n%s", file)
	}
	unmanaged := api.Cache{Name: "static", TotalMaxSize: 32}
	if got, err = f.m.UpdateCache(unmanaged); err != nil {
		t.Fatalf("unmanaged update: %v", err)
	}
	if diff := cmp.Diff(want.ExtraLines, got.ExtraLines); diff != "" {
		t.Errorf("an update that does not manage extra lines changed them (-want +got):\n%s", diff)
	}
	off := api.Cache{Name: "static", TotalMaxSize: 32, ExtraLines: &[]string{"process-vary off"}}
	if got, err = f.m.UpdateCache(off); err != nil || !cmp.Equal(off, got) {
		t.Fatalf("update: %+v, %v; want %+v", got, err, off)
	}
	none := api.Cache{Name: "static", TotalMaxSize: 32, ExtraLines: &[]string{}}
	if got, err = f.m.UpdateCache(none); err != nil || got.ExtraLines != nil {
		t.Fatalf("removing update: %+v, %v", got, err)
	}
	if file := f.read(t); strings.Contains(file, "process-vary") {
		t.Errorf("process-vary survived an empty list:\n%s", file)
	}
	bad := api.Cache{Name: "static", TotalMaxSize: 32, ExtraLines: &[]string{"max-age 5"}}
	if _, err := f.m.UpdateCache(bad); code(err) != api.CodeInvalid || !strings.Contains(err.Error(), "process-vary on|off") {
		t.Errorf("update with another keyword: %v, want invalid listing the accepted ones", err)
	}
}
