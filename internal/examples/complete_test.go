package examples

import (
	"net/http"
	"testing"
)

// Users of the deluxe and complete topologies: vip's password is
// write-only, john's a crypt(3) hash.
var (
	vip  = creds{"vip", "vip-password"}
	john = creds{"john", "john-password"}
)

func (tp *topology) withUsers(t *testing.T) *topology {
	tp.vars["users"] = map[string]any{
		"vip":  map[string]any{},
		"john": map[string]any{"password_hash": hash(t, john.password)},
	}
	tp.vars["passwords_wo"] = map[string]string{vip.user: vip.password}
	return tp
}

// TestAccTopology_complete: layered + deluxe on two machines, as
// examples/topologies/complete/README.md describes it.
func TestAccTopology_complete(t *testing.T) {
	t.Parallel()
	tp := newTopology(t, "complete", "cp", 8218).twoMachines().withUsers(t)
	tp.apply()

	pool := []string{app(8080, tp.edge), app(8081, tp.edge), app(8082, tp.edge)}
	deluxe := app(8000, tp.edge)
	remote := app(8000, tp.worker)

	expectStatus(t, tp.url("/"), creds{}, http.StatusUnauthorized)
	expectStatus(t, tp.url("/remote"), creds{}, http.StatusUnauthorized)
	expectStatus(t, tp.url("/"), creds{"john", "wrong"}, http.StatusUnauthorized)
	expectRotation(t, tp.url("/john"), john, pool...)
	expectServedBy(t, tp.url("/vip"), vip, deluxe)
	expectServedBy(t, tp.url("/remote/x"), john, remote)
	expectServedBy(t, tp.url("/remote"), vip, remote)
	if got, want := tp.outputString("user_map"), tp.name+"-users"; got != want {
		t.Errorf("output user_map = %q, want %q", got, want)
	}
	if t.Failed() {
		return
	}
	tp.noDrift()

	// john moves to deluxe: one entry of the map, no reload.
	tp.moveWithoutReload(tp.edge,
		mapMove{map[string]any{"deluxe_users": []string{"vip", "john"}}, func() bool {
			expectServedBy(t, tp.url("/john"), john, deluxe)
			expectServedBy(t, tp.url("/vip"), vip, deluxe)
			return !t.Failed()
		}},
		mapMove{map[string]any{"deluxe_users": []string{"vip"}}, func() bool {
			expectRotation(t, tp.url("/john"), john, pool...)
			return !t.Failed()
		}})
	if t.Failed() {
		return
	}
	tp.noDrift()
}
