package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr(s string) *string { return &s }

func TestSnapshotLookup(t *testing.T) {
	snap := &Snapshot{
		Kinds:     []string{KindBackends, KindFrontends, KindUserlists, KindMaps},
		Backends:  map[string]Backend{"web": {Name: "web", Balance: "roundrobin"}},
		Frontends: map[string]Frontend{"edge": {Name: "edge"}},
		Userlists: map[string]Userlist{"staff": {Name: "staff"}},
		Maps: map[string]Map{"routes": {
			Name: "routes", Path: "/etc/haproxy/maps/routes.map", Loaded: true,
			File:    map[string]string{"a": "1", "both": "f"},
			Runtime: map[string]string{"both": "r", "live": "2"},
		}},
		MapsDir:    "/etc/haproxy/maps",
		Unreadable: map[string][]string{KindBackends: {"broken"}},
	}
	onlyBackends := &Snapshot{Kinds: []string{KindBackends}, Backends: map[string]Backend{}}
	noMapsDir := &Snapshot{Kinds: []string{KindMaps}, Maps: map[string]Map{}}

	tests := []struct {
		name     string
		snap     *Snapshot
		method   string
		obj, key string
		want     any
		wantOK   bool
		wantErr  string // the message; "" for no error
		notFound bool   // the error must be CodeNotFound: the provider drops the resource
	}{
		{name: "backend found", snap: snap, method: MethodBackendGet, obj: "web", want: Backend{Name: "web", Balance: "roundrobin"}, wantOK: true},
		{name: "backend not found", snap: snap, method: MethodBackendGet, obj: "api", wantOK: true, wantErr: `backend "api" does not exist`, notFound: true},
		{name: "frontend found", snap: snap, method: MethodFrontendGet, obj: "edge", want: Frontend{Name: "edge"}, wantOK: true},
		{name: "frontend not found", snap: snap, method: MethodFrontendGet, obj: "web", wantOK: true, wantErr: `frontend "web" does not exist`, notFound: true},
		{name: "userlist found", snap: snap, method: MethodUserlistGet, obj: "staff", want: Userlist{Name: "staff"}, wantOK: true},
		{name: "userlist not found", snap: snap, method: MethodUserlistGet, obj: "x", wantOK: true, wantErr: `userlist "x" does not exist`, notFound: true},
		{name: "map found", snap: snap, method: MethodMapGet, obj: "routes", want: snap.Maps["routes"], wantOK: true},
		{name: "map not found", snap: snap, method: MethodMapGet, obj: "other", wantOK: true, wantErr: `map "other" does not exist (no file /etc/haproxy/maps/other.map)`, notFound: true},
		{
			name: "entry in the file only", snap: snap, method: MethodMapEntryGet, obj: "routes", key: "a", wantOK: true,
			want: MapEntry{Map: "routes", Key: "a", Path: "/etc/haproxy/maps/routes.map", Loaded: true, File: ptr("1")},
		},
		{
			name: "entry in both", snap: snap, method: MethodMapEntryGet, obj: "routes", key: "both", wantOK: true,
			want: MapEntry{Map: "routes", Key: "both", Path: "/etc/haproxy/maps/routes.map", Loaded: true, File: ptr("f"), Runtime: ptr("r")},
		},
		{
			name: "entry in the running map only", snap: snap, method: MethodMapEntryGet, obj: "routes", key: "live", wantOK: true,
			want: MapEntry{Map: "routes", Key: "live", Path: "/etc/haproxy/maps/routes.map", Loaded: true, Runtime: ptr("2")},
		},
		{name: "entry not found", snap: snap, method: MethodMapEntryGet, obj: "routes", key: "zz", wantOK: true, wantErr: `map "routes" has no key "zz"`, notFound: true},
		{name: "entry of a missing map", snap: snap, method: MethodMapEntryGet, obj: "other", key: "a", wantOK: true, wantErr: `map "other" does not exist (no file /etc/haproxy/maps/other.map)`, notFound: true},

		// The snapshot cannot answer: the caller must ask the agent, never
		// conclude "not found" (that would drop a resource from state).
		{name: "kind not in snapshot", snap: onlyBackends, method: MethodFrontendGet, obj: "edge"},
		{name: "maps not in snapshot", snap: onlyBackends, method: MethodMapEntryGet, obj: "routes", key: "a"},
		{name: "unreadable object", snap: snap, method: MethodBackendGet, obj: "broken"},
		{name: "method a snapshot does not answer", snap: snap, method: MethodBackendCreate, obj: "web"},
		{name: "name outside the plain alphabet", snap: snap, method: MethodBackendGet, obj: "a b"},
		{name: "name with a colon", snap: snap, method: MethodBackendGet, obj: "a:b"},
		{name: "name starting with a dot", snap: snap, method: MethodMapGet, obj: ".hidden"},
		{name: "empty name", snap: snap, method: MethodBackendGet, obj: ""},
		{name: "over-long name", snap: snap, method: MethodMapGet, obj: strings.Repeat("m", 251)},
		{name: "map absent, maps dir unknown", snap: noMapsDir, method: MethodMapGet, obj: "routes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err, ok := tt.snap.Lookup(tt.method, tt.obj, tt.key)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v (result %v, err %v)", ok, tt.wantOK, got, err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}
			gotMsg := ""
			if err != nil {
				gotMsg = err.Error()
			}
			if gotMsg != tt.wantErr {
				t.Errorf("err = %q, want %q", gotMsg, tt.wantErr)
			}
			if errors.Is(err, ErrNotFound) != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !tt.notFound, tt.notFound)
			}
		})
	}
}

func TestSnapshotKindOf(t *testing.T) {
	tests := []struct {
		method, want string
		ok           bool
	}{
		{MethodBackendGet, KindBackends, true},
		{MethodFrontendGet, KindFrontends, true},
		{MethodUserlistGet, KindUserlists, true},
		{MethodMapGet, KindMaps, true},
		{MethodMapEntryGet, KindMaps, true},
		{MethodBackendCreate, "", false},
		{MethodSnapshot, "", false},
		{"nope", "", false},
	}
	for _, tt := range tests {
		if got, ok := SnapshotKindOf(tt.method); got != tt.want || ok != tt.ok {
			t.Errorf("SnapshotKindOf(%q) = %q, %v; want %q, %v", tt.method, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCheckSnapshotKinds(t *testing.T) {
	if err := CheckSnapshotKinds(SnapshotKinds); err != nil {
		t.Errorf("all kinds: %v", err)
	}
	if err := CheckSnapshotKinds(nil); err != nil {
		t.Errorf("no kinds: %v", err)
	}
	err := CheckSnapshotKinds([]string{KindMaps, "servers"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"servers"`) {
		t.Errorf("unknown kind: %v, want CodeInvalid naming it", err)
	}
}
