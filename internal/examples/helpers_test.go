package examples

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/GehirnInc/crypt/sha512_crypt"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab/labtest"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

// testTimeout bounds one topology test (applies on two machines, requests,
// destroy); it only stops a hung run, nothing is asserted on time.
const testTimeout = 15 * time.Minute

// topology is one example root module applied to the lab by a test.
type topology struct {
	t      *testing.T
	ctx    context.Context
	w      *tfrun.Workspace
	name   string // the unique prefix of every object it creates
	port   int    // its http_port
	edge   lab.Machine
	worker lab.Machine
	vars   map[string]any
	// applied is set by the first apply, which registers the destroy.
	applied bool
}

// newTopology prepares examples/<root> for a test: a private copy of the
// examples tree, local modules installed, the lab machines as the edge (and
// worker) variables, a unique name prefix and the given http_port. It skips
// unless TF_ACC is set.
func newTopology(t *testing.T, root, short string, port int) *topology {
	t.Helper()
	edge, worker := labMachines(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	repo, err := tfrun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	w, err := tfrun.NewWorkspace(ctx, filepath.Join(repo, "examples"), filepath.Join("topologies", root), tfrun.Options{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Get(ctx); err != nil {
		t.Fatal(err)
	}
	tp := &topology{
		t: t, ctx: ctx, w: w, port: port,
		name: fmt.Sprintf("acc%s-%04d", short, rand.IntN(10000)),
		edge: edge, worker: worker,
	}
	tp.vars = map[string]any{
		"edge":      tp.edge.TFVars(),
		"name":      tp.name,
		"http_port": port,
	}
	return tp
}

// labMachines skips the test unless acceptance tests are asked for
// (TF_ACC), and returns the lab's first two machines: edge and worker.
func labMachines(t *testing.T) (edge, worker lab.Machine) {
	t.Helper()
	l := labtest.Need(t, 2)
	return l.Machines[0], l.Machines[1]
}

// twoMachines adds the worker variable, for the two-machine topologies.
func (tp *topology) twoMachines() *topology {
	tp.vars["worker"] = tp.worker.TFVars()
	return tp
}

// apply writes the variables and applies. The first apply registers the
// destroy (run even when the test fails), which then checks that nothing
// named after the prefix is left on either machine.
func (tp *topology) apply(args ...string) {
	tp.t.Helper()
	tp.registerDestroy()
	if err := tp.tryApply(args...); err != nil {
		tp.t.Fatal(err)
	}
}

// registerDestroy makes sure the destroy runs at the end of the test, once.
func (tp *topology) registerDestroy() {
	if !tp.applied {
		tp.applied = true
		tp.t.Cleanup(tp.destroy)
	}
}

// tryApply is apply for other goroutines than the test's: it returns the
// error instead of stopping the test; call registerDestroy first.
func (tp *topology) tryApply(args ...string) error {
	if err := tp.w.WriteVars(tp.vars); err != nil {
		return err
	}
	r, err := tp.w.Apply(tp.ctx, args...)
	if err != nil {
		return err
	}
	tp.t.Logf("%s: apply took %s", tp.name, r.Duration.Round(time.Millisecond))
	return nil
}

func (tp *topology) destroy() {
	// A fresh context: the test's may have ended.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Another test's hand-made drift (a namespace deleted under a server
	// line) makes every config change on that machine fail until it is
	// repaired: try again a little later before giving up.
	var err error
	for try := 1; try <= 3; try++ {
		if _, err = tp.w.Destroy(ctx); err == nil {
			break
		}
		tp.t.Logf("destroy %d failed, trying again in 15s: %v", try, err)
		time.Sleep(15 * time.Second)
	}
	if err != nil {
		tp.t.Errorf("destroy: %v", err)
		return
	}
	for _, m := range []lab.Machine{tp.edge, tp.worker} {
		if left := leftovers(ctx, m, tp.name); left != "" {
			tp.t.Errorf("after destroy, %s still has objects named after %s:\n%s", m.Name, tp.name, left)
		}
	}
}

// leftovers lists what on m still carries the prefix as a word: lines of
// haproxy.cfg, namespaces, unit files, map files, loaded units.
func leftovers(ctx context.Context, m lab.Machine, prefix string) string {
	const script = `p=$1
grep -n -w -F -e "$p" /etc/haproxy/haproxy.cfg
ls /run/netns /etc/systemd/system /etc/haproxy/maps 2>/dev/null | grep -w -F -e "$p"
systemctl list-units --all --plain --no-legend 2>/dev/null | grep -w -F -e "$p"
true`
	out, stderr, err := m.Run(ctx, "sh", "-c", script, "sh", prefix)
	if err != nil {
		return fmt.Sprintf("(could not check: %v %s)", err, stderr)
	}
	return strings.TrimSpace(out)
}

// noDrift runs `terraform plan -detailed-exitcode`, which must exit 0.
func (tp *topology) noDrift() {
	tp.t.Helper()
	p, err := tp.w.Plan(tp.ctx)
	if err != nil {
		tp.t.Fatal(err)
	}
	if p.ExitCode != 0 {
		tp.t.Fatalf("plan after apply: exit %d, changes %v, drift %v\n%s", p.ExitCode, p.Changed, p.Drifted, p.Stdout)
	}
}

// url of the edge's frontend with the given path.
func (tp *topology) url(path string) string {
	return fmt.Sprintf("http://%s:%d%s", tp.edge.Address, tp.port, path)
}

// creds are HTTP basic credentials; the zero value sends none.
type creds struct{ user, password string }

// get sends one request (a new connection each time, so HAProxy balances
// per request) and returns the status and the body's first line.
func get(t *testing.T, rawURL string, c creds) (int, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasPrefix(u.Hostname(), "10.147.83.") {
		t.Fatalf("refusing to send a request outside the lab: %s", rawURL)
	}
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// expectStatus checks one request's status.
func expectStatus(t *testing.T, rawURL string, c creds, want int) {
	t.Helper()
	if got, body := get(t, rawURL, c); got != want {
		t.Errorf("GET %s as %q: status %d, want %d (%s)", rawURL, c.user, got, want, body)
	}
}

// expectServedBy checks that a request is answered by the one app named
// `lab-app PORT on HOST`, with the path it was sent.
func expectServedBy(t *testing.T, rawURL string, c creds, app string) {
	t.Helper()
	u, _ := url.Parse(rawURL)
	want := fmt.Sprintf("%s path=%s", app, u.RequestURI())
	if code, body := get(t, rawURL, c); code != http.StatusOK || body != want {
		t.Errorf("GET %s as %q: %d %q, want 200 %q", rawURL, c.user, code, body, want)
	}
}

// expectRotation sends requests until every app of want has answered (at
// most 4 rounds) and fails on any other answer: round robin reaches all of
// them, and nothing else.
func expectRotation(t *testing.T, rawURL string, c creds, want ...string) {
	t.Helper()
	u, _ := url.Parse(rawURL)
	seen := map[string]bool{}
	for i := 0; i < 4*len(want) && len(seen) < len(want); i++ {
		code, body := get(t, rawURL, c)
		app, ok := strings.CutSuffix(body, " path="+u.RequestURI())
		if code != http.StatusOK || !ok || !slices.Contains(want, app) {
			t.Errorf("GET %s as %q: %d %q, want 200 from one of %q", rawURL, c.user, code, body, want)
			return
		}
		seen[app] = true
	}
	if len(seen) < len(want) {
		t.Errorf("GET %s as %q: only %v answered in %d requests, want all of %q", rawURL, c.user, seen, 4*len(want), want)
	}
}

// app names an instance as the lab app's answer does.
func app(port int, m lab.Machine) string { return fmt.Sprintf("lab-app %d on %s", port, m.Name) }

// workerPIDs are the PIDs of HAProxy's current workers on m, from the
// master socket's `show proc` (old workers left out).
func workerPIDs(ctx context.Context, m lab.Machine) ([]string, error) {
	out, stderr, err := m.Run(ctx, "sh", "-c", "echo 'show proc' | socat /run/haproxy-master.sock -")
	if err != nil {
		return nil, fmt.Errorf("show proc on %s: %v %s", m.Name, err, stderr)
	}
	return parseWorkers(out), nil
}

func parseWorkers(showProc string) []string {
	var pids []string
	section := ""
	for _, line := range strings.Split(showProc, "\n") {
		if strings.HasPrefix(line, "# ") {
			section = strings.TrimSpace(line[2:])
			continue
		}
		f := strings.Fields(line)
		if section == "workers" && len(f) > 1 && f[1] == "worker" {
			pids = append(pids, f[0])
		}
	}
	slices.Sort(pids)
	return pids
}

// mapMove is one state of a user map: the variables that give it and a
// check of the routing it must produce (false when it reported an error).
type mapMove struct {
	vars  map[string]any
	check func() bool
}

// reloadProbe is added to the root module's copy by moveWithoutReload: the
// host data source, read during the apply once module.edge is changed,
// reports how many HAProxy reloads the edge provider's agent session
// performed in this terraform run. That count is this apply's own, whatever
// other tests do to the shared lab HAProxy meanwhile.
const reloadProbe = `
data "switchyard_host" "test_reload_probe" {
  provider   = switchyard.edge
  depends_on = [module.edge]
}

output "test_edge_reloads" {
  value = data.switchyard_host.test_reload_probe.reloads
}
`

// moveWithoutReload proves that moving users by a map change reloads
// nothing. It applies moved and checks the routing; the apply's own reload
// count (reloadProbe) must be 0. It also compares HAProxy's worker PIDs on
// m before and after, as an operator would: other tests reload the shared
// lab HAProxy all the time, so a changed PID may be theirs; it moves back
// (back, checked the same way) and forth up to 7 applies to see one with
// the same PID, and only logs when it never does, since the reload count
// already proved this apply's part. It ends in the moved state.
func (tp *topology) moveWithoutReload(m lab.Machine, moved, back mapMove) {
	tp.t.Helper()
	if err := os.WriteFile(filepath.Join(tp.w.Dir, "zz_test_reload_probe.tf"), []byte(reloadProbe), 0o644); err != nil {
		tp.t.Fatal(err)
	}
	const applies = 7 // odd: the last one is a move forth
	kept := false
	for i := 0; i < applies && (!kept || i%2 != 1); i++ {
		mv := moved
		if i%2 == 1 {
			mv = back
		}
		for k, v := range mv.vars {
			tp.vars[k] = v
		}
		before, err1 := workerPIDs(tp.ctx, m)
		tp.apply("-refresh=false")
		after, err2 := workerPIDs(tp.ctx, m)
		if !mv.check() {
			return
		}
		if n := tp.outputString("test_edge_reloads"); n != "0" {
			tp.t.Errorf("map move %d reloaded HAProxy on %s %s time(s) (switchyard_host.reloads of the apply's session)", i+1, m.Name, n)
			return
		}
		switch {
		case err1 != nil || err2 != nil:
			tp.t.Logf("map move %d: no reload by the apply; workers not readable: %v %v", i+1, err1, err2)
		case len(before) > 0 && slices.Equal(before, after):
			tp.t.Logf("map move %d: no reload by the apply, HAProxy workers on %s unchanged (%v)", i+1, m.Name, after)
			kept = true
		default:
			tp.t.Logf("map move %d: no reload by the apply; HAProxy workers on %s went from %v to %v (another test's reload)", i+1, m.Name, before, after)
		}
	}
	if !kept {
		tp.t.Logf("no map move saw the same HAProxy worker PID on %s: other tests reloaded it meanwhile", m.Name)
	}
}

func countLines(s string) int { return len(strings.Split(strings.TrimSpace(s), "\n")) }

func containsLine(s, line string) bool { return slices.Contains(strings.Split(s, "\n"), line) }

// hash is a SHA-512 crypt(3) hash of password, as `openssl passwd -6` prints.
func hash(t *testing.T, password string) string {
	t.Helper()
	h, err := sha512_crypt.New().Generate([]byte(password), nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// outputString reads one output of the root module: a string's value, or
// the JSON text of anything else.
func (tp *topology) outputString(name string) string {
	tp.t.Helper()
	out, err := tp.w.Output(tp.ctx)
	if err != nil {
		tp.t.Fatal(err)
	}
	raw, ok := out[name]
	if !ok {
		tp.t.Fatalf("no output %s", name)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw) // a number or bool, as JSON writes it
	}
	return s
}
