package examples

import (
	"net/http"
	"sync"
	"testing"
)

// TestAccTopology_environments applies staging and production, the same
// module with different sizes and users, to the same two machines at once
// (their own prefixes and ports), and checks that each answers with its own
// sizes and only to its own users.
func TestAccTopology_environments(t *testing.T) {
	t.Parallel()
	tester := creds{"tester", "tester-password"}
	dev := creds{"dev", "dev-password"}
	staging := newTopology(t, "environments/staging", "st", 8219).twoMachines()
	staging.vars["users"] = map[string]any{
		"tester": map[string]any{},
		"dev":    map[string]any{"password_hash": hash(t, dev.password)},
	}
	staging.vars["passwords_wo"] = map[string]string{tester.user: tester.password}
	production := newTopology(t, "environments/production", "pd", 8220).twoMachines().withUsers(t)

	// Both at once, as two teams would.
	var wg sync.WaitGroup
	for _, tp := range []*topology{staging, production} {
		tp.registerDestroy()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tp.tryApply(); err != nil {
				t.Errorf("%s: %v", tp.name, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	e, w := staging.edge, staging.worker

	// Staging: one pool instance, one worker instance, its own users only.
	expectStatus(t, staging.url("/"), john, http.StatusUnauthorized)
	expectStatus(t, staging.url("/"), vip, http.StatusUnauthorized)
	expectRotation(t, staging.url("/s"), dev, app(8080, e))
	expectServedBy(t, staging.url("/s"), tester, app(8000, e))
	expectRotation(t, staging.url("/remote"), dev, app(8000, w))

	// Production: three pool instances, two worker instances.
	expectStatus(t, production.url("/"), tester, http.StatusUnauthorized)
	expectStatus(t, production.url("/"), dev, http.StatusUnauthorized)
	expectRotation(t, production.url("/p"), john, app(8080, e), app(8081, e), app(8082, e))
	expectServedBy(t, production.url("/p"), vip, app(8000, e))
	expectRotation(t, production.url("/remote"), john, app(8000, w), app(8001, w))

	// The deluxe instances' sizes.
	for _, c := range []struct {
		tp    *topology
		quota string
	}{{staging, "CPUQuotaPerSecUSec=500ms"}, {production, "CPUQuotaPerSecUSec=2s"}} {
		unit := c.tp.name + "-deluxe-1"
		out, _, err := e.Run(c.tp.ctx, "systemctl", "show", "-p", "CPUQuotaPerSecUSec", unit)
		if err != nil || !containsLine(out, c.quota) {
			t.Errorf("%s: %q (%v), want %s", unit, out, err, c.quota)
		}
	}
	staging.noDrift()
	production.noDrift()
}
