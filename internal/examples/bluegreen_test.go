package examples

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/loadloop"
)

// Blue-green (issue 10, item 6): examples/topologies/blue-green on the edge
// machine. Each switch and each deploy runs under a request loop through
// the topology's frontend (a new connection per request); it must see no
// failed request, and the apply's own agent session must not reload
// HAProxy.

// bgProbe is added to the root module's copy: read during the apply once
// module.app has changed, it reports the HAProxy reloads the apply's agent
// session did on the edge (whatever other tests do on the shared lab).
const bgProbe = `
data "switchyard_host" "test_reload_probe" {
  provider   = switchyard.edge
  depends_on = [module.app]
}

output "test_reloads" {
  value = data.switchyard_host.test_reload_probe.reloads
}
`

// longRequestMS is the long request in flight on the old colour during a
// switch: longer than applying a saved plan takes on the lab (≈ 1-2 s).
const longRequestMS = 3000

// labAnswer is the lab app's answer with a VERSION (the module passes
// COLOUR-VERSION): port, version, machine, path.
var labAnswer = regexp.MustCompile(`^lab-app (\d+) (\S+) on (\S+) path=(.*)$`)

// versionOf checks that body answers the request for url on the edge and
// returns the version that answered.
func (tp *topology) versionOf(url, body string) (string, error) {
	m := labAnswer.FindStringSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("GET %s: unexpected answer %q", url, body)
	}
	if m[3] != tp.edge.Name || !strings.HasSuffix(url, m[4]) {
		return "", fmt.Errorf("GET %s: answered %q: wrong machine or path", url, body)
	}
	return m[2], nil
}

// startBGLoad starts a request loop that accepts answers from the given
// versions only.
func (tp *topology) startBGLoad(op string, versions ...string) *loadloop.Loop {
	return loadloop.Start(loadloop.Options{
		URL: func(c, i int) string { return tp.url(fmt.Sprintf("/bg/%s/%d/%d", op, c, i)) },
		Classify: func(url, body string) (string, error) {
			v, err := tp.versionOf(url, body)
			if err == nil && !slices.Contains(versions, v) {
				err = fmt.Errorf("GET %s: answered by %s, want one of %v", url, v, versions)
			}
			return v, err
		},
	})
}

// planOnly plans the current variables and checks that only want would
// change and that the plan announces no reload; applySaved then applies
// that saved plan: no refresh in between, so the change happens a moment
// after the apply starts.
func (tp *topology) planOnly(want ...string) error {
	if err := tp.w.WriteVars(tp.vars); err != nil {
		return err
	}
	p, err := tp.w.Plan(tp.ctx)
	if err != nil {
		return err
	}
	if !slices.Equal(p.Changed, want) {
		return fmt.Errorf("plan changes %v, want exactly %v\n%s", p.Changed, want, p.Stdout)
	}
	if strings.Contains(p.Stdout+p.Stderr, "Reloads HAProxy") {
		return fmt.Errorf("plan announces a reload:\n%s", p.Stdout)
	}
	return nil
}

func (tp *topology) applySaved() (time.Duration, error) {
	r, err := tp.w.Apply(tp.ctx, filepath.Join(tp.w.Dir, "switchyard.tfplan"))
	return r.Duration, err
}

// longRequest is one slow request's outcome.
type longRequest struct {
	status int
	body   string
	err    error
	ended  time.Time
}

// startLongRequest sends GET /sleep?ms=N on a connection of its own.
func (tp *topology) startLongRequest() <-chan longRequest {
	out := make(chan longRequest, 1)
	url := tp.url(fmt.Sprintf("/sleep?ms=%d", longRequestMS))
	go func() {
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		var lr longRequest
		resp, err := client.Get(url)
		if err == nil {
			b, rerr := io.ReadAll(io.LimitReader(resp.Body, 4096))
			_ = resp.Body.Close() // only read
			lr.status, lr.body, lr.err = resp.StatusCode, strings.TrimSpace(string(b)), rerr
		} else {
			lr.err = err
		}
		lr.ended = time.Now()
		out <- lr
	}()
	return out
}

// bgSwitch makes to the live colour under load, with a long request in
// flight on the old colour (version from), and checks: 0 failed, 0 reloads,
// the long request answered 200 by the old colour, then every answer by
// the new colour (version want).
func (tp *topology) bgSwitch(to, from, want string) {
	tp.t.Helper()
	tp.vars["live"] = to
	op := "switch to " + to
	if err := tp.planOnly("module.app.switchyard_backend.this"); err != nil {
		tp.t.Fatalf("%s: %v", op, err)
	}
	load := tp.startBGLoad(to, from, want)
	long := tp.startLongRequest()
	time.Sleep(300 * time.Millisecond) // the long request reaches the old colour
	took, err := tp.applySaved()
	applied := time.Now()
	lr := <-long
	res := load.Stop()
	tp.t.Logf("blue-green %s: %s; apply of the saved plan took %s", op, res, took.Round(time.Millisecond))
	if err != nil {
		tp.t.Fatalf("%s: %v", op, err)
	}
	if err := res.Err(); err != nil {
		tp.t.Errorf("%s: %v", op, err)
	}
	if n := tp.outputString("test_reloads"); n != "0" {
		tp.t.Errorf("%s reloaded HAProxy on %s %s time(s) (switchyard_host.reloads of the apply's session)", op, tp.edge.Name, n)
	}
	switch v, verr := tp.versionOf("/sleep?ms="+fmt.Sprint(longRequestMS), lr.body); {
	case lr.err != nil || lr.status != http.StatusOK:
		tp.t.Errorf("%s: the long request in flight on %s: status %d, %v (%q)", op, from, lr.status, lr.err, lr.body)
	case verr != nil || v != from:
		tp.t.Errorf("%s: the long request was answered by %q (%v), want the old colour %s", op, lr.body, verr, from)
	case lr.ended.Before(applied):
		tp.t.Errorf("%s: the long request ended %s before the apply did: it was not in flight during the switch", op, applied.Sub(lr.ended))
	default:
		tp.t.Logf("%s: the long request on %s ended %s after the apply, with 200", op, from, lr.ended.Sub(applied).Round(time.Millisecond))
	}
	tp.onlyVersion(want)
}

// onlyVersion sends 50 requests: every answer must come from want.
func (tp *topology) onlyVersion(want string) {
	tp.t.Helper()
	for i := range 50 {
		url := tp.url(fmt.Sprintf("/bg/after/%d", i))
		code, body := get(tp.t, url, creds{})
		if v, err := tp.versionOf(url, body); code != http.StatusOK || err != nil || v != want {
			tp.t.Errorf("GET %s: %d %q, want 200 from %s", url, code, body, want)
			return
		}
	}
}

// serversUp waits (at most 20 s) until HAProxy's health checks see every
// server of the colour UP on the edge: drained servers are still checked.
func (tp *topology) serversUp(colour string) {
	tp.t.Helper()
	backend := tp.name + "-app"
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, stderr, err := tp.edge.Run(tp.ctx, "sh", "-c", `echo "show servers state $1" | socat /run/haproxy/admin.sock -`, "sh", backend)
		up, seen := 0, 0
		if err == nil {
			for name, op := range operationalStates(out, backend) {
				if strings.HasPrefix(name, colour+"-") {
					seen++
					if op == "2" { // SRV_ST_RUNNING
						up++
					}
				}
			}
		}
		if seen > 0 && up == seen {
			return
		}
		if time.Now().After(deadline) {
			tp.t.Fatalf("%s servers of %s not all UP after 20s (%d of %d): %v %s\n%s", colour, backend, up, seen, err, stderr, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// operationalStates reads `show servers state` output: server name =>
// srv_op_state (0 stopped, 1 starting, 2 running, 3 stopping) of backend.
func operationalStates(out, backend string) map[string]string {
	states := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		// be_id be_name srv_id srv_name srv_addr srv_op_state …
		if len(f) > 5 && !strings.HasPrefix(f[0], "#") && f[1] == backend {
			states[f[3]] = f[5]
		}
	}
	return states
}

// noDriftUnlessReloaded is noDrift on a lab that others reload: HAProxy
// 2.6 cannot write a drain into haproxy.cfg (the file says weight 0), so a
// reload another test does turns the idle colour into `ready, weight 0`
// (still no traffic) and the plan shows it until the next apply repairs
// it. A non-empty plan fails unless HAProxy's workers changed since before.
func (tp *topology) noDriftUnlessReloaded(before []string) {
	tp.t.Helper()
	p, err := tp.w.Plan(tp.ctx)
	if err != nil {
		tp.t.Fatal(err)
	}
	if p.ExitCode == 0 {
		return
	}
	after, werr := workerPIDs(tp.ctx, tp.edge)
	if werr == nil && len(before) > 0 && !slices.Equal(before, after) {
		tp.t.Logf("plan not empty (%v), but HAProxy on %s was reloaded meanwhile by someone else (workers %v -> %v): drains the file cannot hold", p.Changed, tp.edge.Name, before, after)
		return
	}
	tp.t.Errorf("plan after apply: exit %d, changes %v, drift %v (workers %v -> %v, %v)\n%s", p.ExitCode, p.Changed, p.Drifted, before, after, werr, p.Stdout)
}

// TestAccTopology_BlueGreen: blue serves v1; switch to green and back under
// load with a long request in flight on the old colour; deploy v2 into the
// idle green under load (no request reaches it); switch to green: every
// answer is v2. 0 failed requests and 0 reloads throughout.
//
// Not parallel on purpose: it measures the switch, which reloads nothing,
// and the other topology tests reload the same HAProxy many times a second.
// On HAProxy 2.6.12 a reload costs a backend whose servers are in a network
// namespace about one request in ten reloads: the old worker, once stopped,
// logs "Cannot get a server socket" for requests it accepted just before
// (docs/guides/zero-downtime.md, "What a reload costs"). A backend of
// servers on the host's loopback loses none.
func TestAccTopology_BlueGreen(t *testing.T) {
	tp := newTopology(t, "blue-green", "bg", 8260)
	if err := os.WriteFile(filepath.Join(tp.w.Dir, "zz_test_reload_probe.tf"), []byte(bgProbe), 0o644); err != nil {
		t.Fatal(err)
	}
	tp.vars["live"] = "blue"
	tp.vars["blue_version"] = "v1"
	tp.vars["green_version"] = "v1"
	tp.apply()
	tp.onlyVersion("blue-v1")
	// The idle colour is drained, not stopped: its health checks go on.
	tp.serversUp("green")
	tp.serversUp("blue")
	if got := tp.outputString("idle"); got != "green" {
		t.Errorf("output idle = %q, want green", got)
	}
	if t.Failed() {
		return
	}

	before, _ := workerPIDs(tp.ctx, tp.edge)
	tp.bgSwitch("green", "blue-v1", "green-v1")
	tp.bgSwitch("blue", "green-v1", "blue-v1")
	tp.noDriftUnlessReloaded(before)
	if t.Failed() {
		return
	}

	// Version 2 into the idle green: its services restart and the apply
	// waits until they answer; the users stay on blue v1 throughout.
	tp.vars["green_version"] = "v2"
	if err := tp.planOnly(`module.app.switchyard_service.app["green-1"]`, `module.app.switchyard_service.app["green-2"]`); err != nil {
		t.Fatal(err)
	}
	load := tp.startBGLoad("deploy", "blue-v1")
	took, err := tp.applySaved()
	res := load.Stop()
	t.Logf("blue-green deploy v2 into green: %s; apply took %s", res, took.Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Err(); err != nil {
		t.Errorf("deploy v2 into the idle green: %v", err)
	}
	if n := tp.outputString("test_reloads"); n != "0" {
		t.Errorf("deploy into the idle colour reloaded HAProxy on %s %s time(s)", tp.edge.Name, n)
	}
	var versions map[string]string
	if err := json.Unmarshal([]byte(tp.outputString("versions")), &versions); err != nil || versions["blue"] != "v1" || versions["green"] != "v2" || len(versions) != 2 {
		t.Errorf("output versions = %v (%v), want blue v1, green v2", versions, err)
	}
	tp.serversUp("green")

	tp.bgSwitch("green", "blue-v1", "green-v2")
	if got := tp.outputString("live_version"); got != "v2" {
		t.Errorf("output live_version = %q, want v2", got)
	}
}
