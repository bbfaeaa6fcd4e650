package haproxy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

func TestCacheCRUD(t *testing.T) {
	f := newFixture(t)
	want := api.Cache{Name: "static", TotalMaxSize: 16, MaxObjectSize: i64(100000), MaxAge: i64(60)}
	got, err := f.m.CreateCache(want)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read-back (-want +got):\n%s", diff)
	}
	if file := f.read(t); !strings.Contains(file, "\ncache static\n  total-max-size 16\n  max-object-size 100000\n  max-age 60\n") {
		t.Errorf("no cache section in:\n%s", file)
	}
	if _, err := f.m.CreateCache(want); code(err) != api.CodeExists {
		t.Errorf("second create: %v, want %s", err, api.CodeExists)
	}

	// A rule that uses it holds it.
	fe := api.Frontend{Name: "cached", Mode: "http", Binds: []api.Bind{{Address: "127.0.0.1", Port: i64(8124)}},
		ACLs: []string{}, HTTPRequest: []string{"cache-use static"}, UseBackends: []api.UseBackend{}}
	if _, err := f.m.CreateFrontend(fe); err != nil {
		t.Fatalf("frontend: %v", err)
	}
	before := f.read(t)
	err = f.m.DeleteCache("static")
	if code(err) != api.CodeRejected || !strings.Contains(err.Error(), `frontend "cached" http-request 0`) {
		t.Fatalf("delete while used: %v, want rejected naming the rule", err)
	}
	if f.read(t) != before {
		t.Error("a refused delete changed the file")
	}

	upd := want
	upd.MaxAge, upd.MaxObjectSize = nil, nil
	if got, err = f.m.UpdateCache(upd); err != nil || !cmp.Equal(upd, got) {
		t.Fatalf("update: %+v, %v; want %+v", got, err, upd)
	}
	fe.HTTPRequest = []string{}
	if _, err := f.m.UpdateFrontend(fe); err != nil {
		t.Fatalf("frontend update: %v", err)
	}
	if err := f.m.DeleteCache("static"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := f.m.GetCache("static"); code(err) != api.CodeNotFound {
		t.Errorf("get after delete: %v, want %s", err, api.CodeNotFound)
	}
}

func TestCacheRefused(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		c    api.Cache
		want string
	}{
		{api.Cache{Name: "a b", TotalMaxSize: 1}, "cache name"},
		{api.Cache{Name: "c", TotalMaxSize: 4096}, "from 1 to 4095"},
		{api.Cache{Name: "c", TotalMaxSize: 1, MaxObjectSize: i64(1 << 20)}, "half of total_max_size"},
		{api.Cache{Name: "c", TotalMaxSize: 1, MaxAge: i64(0)}, "at least 1 second"},
	} {
		if _, err := f.m.CreateCache(tc.c); code(err) != api.CodeInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("create %+v: %v, want invalid with %q", tc.c, err, tc.want)
		}
	}
}
