package examples

import (
	"fmt"
	"net/http"
	"testing"
)

// TestAccTopology_roundRobin: one machine, requests rotate over the three
// lab instances.
func TestAccTopology_roundRobin(t *testing.T) {
	t.Parallel()
	tp := newTopology(t, "round-robin", "rr", 8211)
	tp.apply()
	expectRotation(t, tp.url("/a"), creds{}, app(8080, tp.edge), app(8081, tp.edge), app(8082, tp.edge))
	if got := tp.outputString("backend"); got != tp.name+"-pool" {
		t.Errorf("output backend = %q, want %q", got, tp.name+"-pool")
	}
	tp.noDrift()

	// One instance fewer: the rotation follows.
	tp.vars["app_ports"] = []int{8080, 8082}
	tp.apply()
	expectRotation(t, tp.url("/b"), creds{}, app(8080, tp.edge), app(8082, tp.edge))
	tp.noDrift()
}

// TestAccTopology_namespacedApp: the app runs as two sandboxed services in
// a namespace of their own; HAProxy reaches both, the machine's own network
// does not.
func TestAccTopology_namespacedApp(t *testing.T) {
	t.Parallel()
	tp := newTopology(t, "namespaced-app", "ns", 8212)
	tp.apply()
	expectRotation(t, tp.url("/ns"), creds{}, app(8000, tp.edge), app(8001, tp.edge))

	// Inside the namespace only: nothing answers on the machine's loopback
	// port 8000 of the default namespace (the lab apps use 8080-8082).
	ns := tp.outputString("namespace")
	if ns != tp.name+"-app" {
		t.Errorf("output namespace = %q, want %q", ns, tp.name+"-app")
	}
	out, _, err := tp.edge.Run(tp.ctx, "ip", "netns", "exec", ns, "ip", "-o", "link")
	if err != nil {
		t.Errorf("ip netns exec %s: %v", ns, err)
	} else if got := countLines(out); got != 1 {
		t.Errorf("namespace %s has %d links, want only lo:\n%s", ns, got, out)
	}
	// The services run sandboxed as a dynamic user.
	props, _, err := tp.edge.Run(tp.ctx, "systemctl", "show", "-p", "DynamicUser,ProtectSystem,CPUQuotaPerSecUSec,ActiveState", tp.name+"-app-1")
	if err != nil {
		t.Errorf("systemctl show: %v", err)
	}
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "ActiveState=active", "CPUQuotaPerSecUSec=500ms"} {
		if !containsLine(props, want) {
			t.Errorf("service %s-app-1: no %q in\n%s", tp.name, want, props)
		}
	}
	tp.noDrift()
}

// TestAccTopology_pathRouting: /app3 and /app4 reach apps on the worker's
// address, the rest the namespaced app on the edge.
func TestAccTopology_pathRouting(t *testing.T) {
	t.Parallel()
	tp := newTopology(t, "path-routing", "pr", 8213).twoMachines()
	tp.vars["worker_app_ports"] = []int{8214, 8215}
	tp.apply()
	expectServedBy(t, tp.url("/app3"), creds{}, app(8214, tp.worker))
	expectServedBy(t, tp.url("/app3/deeper?q=1"), creds{}, app(8214, tp.worker))
	expectServedBy(t, tp.url("/app4/x"), creds{}, app(8215, tp.worker))
	expectServedBy(t, tp.url("/"), creds{}, app(8000, tp.edge))
	expectServedBy(t, tp.url("/other/app3"), creds{}, app(8000, tp.edge))
	tp.noDrift()
}

// TestAccTopology_layered: /remote goes through the worker's own HAProxy
// into the worker's namespace; the rest rotates on the edge.
func TestAccTopology_layered(t *testing.T) {
	t.Parallel()
	tp := newTopology(t, "layered", "ly", 8216).twoMachines()
	tp.apply()
	expectServedBy(t, tp.url("/remote"), creds{}, app(8000, tp.worker))
	expectServedBy(t, tp.url("/remote/y"), creds{}, app(8000, tp.worker))
	expectRotation(t, tp.url("/z"), creds{}, app(8080, tp.edge), app(8081, tp.edge), app(8082, tp.edge))
	// The worker's HAProxy answers on its private address by itself.
	expectServedBy(t, fmt.Sprintf("http://%s:%d/direct", tp.worker.Address, tp.port), creds{}, app(8000, tp.worker))
	// The worker's namespace exists on the worker only.
	ns := tp.outputString("worker_namespace")
	if _, _, err := tp.worker.Run(tp.ctx, "test", "-e", "/run/netns/"+ns); err != nil {
		t.Errorf("namespace %s missing on %s: %v", ns, tp.worker.Name, err)
	}
	if _, _, err := tp.edge.Run(tp.ctx, "test", "-e", "/run/netns/"+ns); err == nil {
		t.Errorf("namespace %s exists on the edge %s too", ns, tp.edge.Name)
	}
	tp.noDrift()
}

// TestAccTopology_deluxe: basic auth, vip on the deluxe instance, john on
// the standard one until one map entry moves him, without a reload.
func TestAccTopology_deluxe(t *testing.T) {
	t.Parallel()
	tp := newTopology(t, "deluxe", "dx", 8217).withUsers(t)
	tp.apply()
	standard, deluxe := app(8000, tp.edge), app(8100, tp.edge)
	expectStatus(t, tp.url("/"), creds{}, http.StatusUnauthorized)
	expectStatus(t, tp.url("/"), creds{"vip", "wrong"}, http.StatusUnauthorized)
	expectServedBy(t, tp.url("/v"), vip, deluxe)
	expectServedBy(t, tp.url("/j"), john, standard)
	if t.Failed() {
		return
	}
	tp.noDrift()
	tp.moveWithoutReload(tp.edge,
		mapMove{map[string]any{"deluxe_users": []string{"vip", "john"}}, func() bool {
			expectServedBy(t, tp.url("/j"), john, deluxe)
			return !t.Failed()
		}},
		mapMove{map[string]any{"deluxe_users": []string{"vip"}}, func() bool {
			expectServedBy(t, tp.url("/j"), john, standard)
			return !t.Failed()
		}})
	if t.Failed() {
		return
	}
	tp.noDrift()
}
