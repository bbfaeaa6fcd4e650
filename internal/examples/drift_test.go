package examples

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAccDrift_completeTopology proves docs/guides/drift-detection.md on
// the complete topology: four kinds of hand change on the machines (an
// edited server line, a stopped service, a deleted namespace, a runtime map
// change) make `terraform plan -detailed-exitcode` exit 2 and name exactly
// the four resources changed, and the guide's script exit 2; one apply
// repairs all of it, the plan and the script exit 0 again, and the requests
// are answered as before.
//
// Not parallel, on purpose: Go runs it before the package's parallel tests
// start. While the worker's namespace is deleted, `haproxy -c` rejects every
// configuration change on that machine (its haproxy.cfg names the missing
// namespace), so other tests' applies there would fail; and their reloads
// would undo the runtime map change.
func TestAccDrift_completeTopology(t *testing.T) {
	tp := newTopology(t, "complete", "dr", 8250).twoMachines().withUsers(t)
	tp.name = fmt.Sprintf("drift-%04d", rand.IntN(10000))
	tp.vars["name"] = tp.name
	tp.apply()

	edge, worker, p := tp.edge, tp.worker, tp.name
	answers := func(when string) {
		t.Helper()
		expectStatus(t, tp.url("/"), creds{}, http.StatusUnauthorized)
		expectRotation(t, tp.url("/john"), john, app(8080, edge), app(8081, edge), app(8082, edge))
		expectServedBy(t, tp.url("/vip"), vip, app(8000, edge))
		expectServedBy(t, tp.url("/remote"), john, app(8000, worker))
		if t.Failed() {
			t.Fatalf("the topology does not answer as it should %s", when)
		}
	}
	answers("after the first apply")
	tp.noDrift()
	if code, addrs, out := driftCheck(t, tp.ctx, tp.w); code != 0 {
		t.Fatalf("drift-check.sh before any hand change: exit %d (%v), want 0\n%s", code, addrs, out)
	}

	// In this order: the haproxy.cfg edit reloads HAProxy, which would
	// undo a runtime map change made before it.
	mapPath := "/etc/haproxy/maps/" + p + "-users.map"
	moved := serverMovedByHand(edge, p+"-pool")
	moved.addr = "module.edge.switchyard_backend.pool[0]"
	changes := []handChange{moved, {
		what:    "systemctl stop " + p + "-deluxe-1",
		addr:    "module.deluxe.switchyard_service.app[0]",
		machine: edge,
		do:      []string{"systemctl", "stop", p + "-deluxe-1.service"},
	}, {
		what:    "ip netns del " + p + "-worker-app",
		addr:    "module.worker.module.app.switchyard_namespace.this",
		machine: worker,
		do:      []string{"ip", "netns", "del", p + "-worker-app"},
	}, {
		what:    "set map " + mapPath + " vip " + p + "-pool, over the admin socket",
		addr:    "module.edge.switchyard_map.users[0]",
		machine: edge,
		// The admin socket answers an empty line on success, the reason
		// otherwise.
		do: []string{"sh", "-c", `out=$(echo "set map $1 vip $2" | socat /run/haproxy/admin.sock -); [ -z "$out" ] || { echo "$out" >&2; exit 1; }`,
			"sh", mapPath, p + "-pool"},
		in: []string{"sh", "-c", `echo "show map $1" | socat /run/haproxy/admin.sock - | grep -q " vip $2\$"`, "sh", mapPath, p + "-pool"},
	}}
	// Should the test stop before the repair, put the namespace back first
	// (cleanups run last in, first out: before the destroy), or the worker's
	// HAProxy would refuse every change, the destroy's too.
	t.Cleanup(func() {
		unit := "switchyard-netns@" + p + "-worker-app.service"
		if _, stderr, err := worker.Run(context.Background(), "sh", "-c", `test -e "/run/netns/$1" || systemctl restart "$2"`, "sh", p+"-worker-app", unit); err != nil {
			t.Errorf("putting namespace %s back on %s: %v %s", p+"-worker-app", worker.Name, err, stderr)
		}
	})
	var want []string
	for _, c := range changes {
		want = append(want, c.addr)
	}
	slices.Sort(want)

	// The plan must name exactly the four resources. On the shared lab,
	// other tests reload HAProxy every few seconds, and a reload loads the
	// map file again over the runtime change: while the plan runs,
	// keepInPlace makes undone changes again. Should a change still be
	// undone when the refresh reads it, the plan proves nothing and runs
	// again; a plan that names other resources while every change is in
	// place means a Read reports wrong.
	for _, c := range changes {
		if err := c.make(tp.ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("by hand on %s: %s", c.machine.Name, c.what)
	}
	const attempts = 5
	for i := 1; ; i++ {
		stop := keepInPlace(tp.ctx, changes)
		plan, err := tp.w.Plan(tp.ctx)
		remade := stop()
		if err != nil {
			t.Fatal(err)
		}
		diff := cmp.Diff(want, plan.Changed)
		if plan.ExitCode == 2 && diff == "" {
			t.Logf("plan: exit 2, changes %v, drift found while refreshing %v (changes undone by others and made again: %d)", plan.Changed, plan.Drifted, remade)
			break
		}
		var lost []string
		for _, c := range changes {
			ok, err := c.inPlace(tp.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				lost = append(lost, c.what)
			}
		}
		if (remade == 0 && len(lost) == 0) || i == attempts {
			t.Fatalf("plan after the hand changes: exit %d (want 2), changed resources (-want +got):\n%s\ndrifted: %v; changes made again during the plan: %d, undone now: %v\n%s",
				plan.ExitCode, diff, plan.Drifted, remade, lost, plan.Stdout)
		}
		t.Logf("attempt %d: the plan named %v while changes were being undone (by other tests' reloads?); planning again", i, plan.Changed)
		for _, c := range changes {
			if ok, err := c.inPlace(tp.ctx); err == nil && !ok {
				if err := c.make(tp.ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	// The guide's script sees the drift too. The runtime map change may be
	// gone by now (another test's reload), the other three stay.
	code, addrs, out := driftCheck(t, tp.ctx, tp.w)
	if code != 2 {
		t.Fatalf("drift-check.sh after the hand changes: exit %d, want 2\n%s", code, out)
	}
	slices.Sort(addrs)
	for _, c := range changes {
		if c.in == nil && !slices.Contains(addrs, c.addr) {
			t.Errorf("drift-check.sh did not report %s (reported %v)\n%s", c.addr, addrs, out)
		}
	}
	for _, a := range addrs {
		if !slices.Contains(want, a) {
			t.Errorf("drift-check.sh reported %s, which nothing changed (reported %v)\n%s", a, addrs, out)
		}
	}

	// One apply repairs everything.
	tp.apply()
	tp.noDrift()
	if code, addrs, out := driftCheck(t, tp.ctx, tp.w); code != 0 {
		t.Errorf("drift-check.sh after the repair: exit %d (%v), want 0\n%s", code, addrs, out)
	}
	// The restarted deluxe service is up once the apply returns, but
	// HAProxy marked its server DOWN while it was stopped and sends traffic
	// again only after its health check passes `rise` times (2 × 2 s by
	// default): wait for that, boundedly, before checking every route.
	waitServed(t, tp.url("/vip"), vip, 30*time.Second)
	answers("after the repair")
}

// waitServed polls rawURL as c until it answers 200 or timeout passes; the
// checks that follow report what is wrong if it never does.
func waitServed(t *testing.T, rawURL string, c creds, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if code, _ := get(t, rawURL, c); code == http.StatusOK {
			return
		}
	}
}
