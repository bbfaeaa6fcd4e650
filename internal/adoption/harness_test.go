package adoption

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab/labtest"
	"github.com/switchyard/terraform-provider-switchyard/internal/tfrun"
)

const (
	testTimeout = 15 * time.Minute
	cfgPath     = "/etc/haproxy/haproxy.cfg"
)

// adoption is one hand-written machine adopted by Terraform in a test.
type adoption struct {
	t   *testing.T
	ctx context.Context
	m   lab.Machine // Machine A: swlab-3
	lab *lab.Lab
	w   *tfrun.Workspace
}

// machineA is the lab's third machine: the adoption tests rewrite its whole
// haproxy.cfg, so they keep off swlab-1 and swlab-2, which the other
// acceptance tests share.
func newAdoption(t *testing.T) *adoption {
	t.Helper()
	l := labtest.Need(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return &adoption{t: t, ctx: ctx, m: l.Machines[2], lab: l}
}

// handWrite replaces m's haproxy.cfg with cfg (as a person would, with an
// editor and a reload) and registers the restore of the lab's own file and
// of everything undo removes. The lab's file comes back at the end
// whatever the test did.
func (a *adoption) handWrite(m lab.Machine, cfg string, undo ...string) {
	a.t.Helper()
	orig, _, err := m.Run(a.ctx, "cat", cfgPath)
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for _, cmd := range undo {
			if _, stderr, err := m.Run(ctx, "sh", "-c", cmd); err != nil {
				a.t.Logf("cleanup on %s: %s: %v %s", m.Name, cmd, err, stderr)
			}
		}
		if err := m.WriteFile(ctx, cfgPath, []byte(orig), 0o644); err != nil {
			a.t.Errorf("restoring %s on %s: %v", cfgPath, m.Name, err)
		}
		if _, stderr, err := m.Run(ctx, "systemctl", "reload", "haproxy"); err != nil {
			a.t.Errorf("reloading haproxy on %s after the restore: %v %s", m.Name, err, stderr)
		}
	})
	if err := m.WriteFile(a.ctx, cfgPath, []byte(cfg), 0o644); err != nil {
		a.t.Fatal(err)
	}
	if _, stderr, err := m.Run(a.ctx, "systemctl", "reload", "haproxy"); err != nil {
		a.t.Fatalf("reloading the hand-written configuration on %s: %v %s", m.Name, err, stderr)
	}
}

// sh runs a shell script of the test's own (constants, no user input) on m.
func (a *adoption) sh(m lab.Machine, script string) string {
	a.t.Helper()
	out, stderr, err := m.Run(a.ctx, "sh", "-c", script)
	if err != nil {
		a.t.Fatalf("on %s: %s: %v\n%s", m.Name, script, err, stderr)
	}
	return out
}

// workspace is a private copy of examples/adoption, the two-step adoption
// a user runs, pointed at machine m; it becomes a's workspace.
func (a *adoption) workspace(m lab.Machine) *tfrun.Workspace {
	a.t.Helper()
	repo, err := tfrun.ModuleRoot()
	if err != nil {
		a.t.Fatal(err)
	}
	w, err := tfrun.NewWorkspace(a.ctx, filepath.Join(repo, "examples"), "adoption", tfrun.Options{WorkDir: a.t.TempDir()})
	if err != nil {
		a.t.Fatal(err)
	}
	if err := w.WriteVars(map[string]any{"machine": m.TFVars()}); err != nil {
		a.t.Fatal(err)
	}
	a.w = w
	return w
}

// run runs terraform and fails the test on an exit code not in ok.
func (a *adoption) run(ok []int, args ...string) tfrun.Result {
	a.t.Helper()
	r, err := a.w.Run(a.ctx, args...)
	if err != nil {
		a.t.Fatal(err)
	}
	if !slices.Contains(ok, r.ExitCode) {
		a.t.Fatalf("%s", r)
	}
	return r
}

var planLine = regexp.MustCompile(`Plan: (\d+) to import, (\d+) to add, (\d+) to change, (\d+) to destroy\.`)

// adopt runs the whole adoption of the workspace's machine as the example
// says: step 1, apply the inventory and save its import blocks as
// imports.tf (they must include every address in want); step 2, generate
// the configuration, validate it, check the plan is import only, and apply
// it with no reload and no byte of any machine's haproxy.cfg changed. It
// returns the generated configuration.
func (a *adoption) adopt(want []string, machines ...lab.Machine) string {
	a.t.Helper()
	a.run([]int{0}, "apply", "-auto-approve", "-no-color", "-input=false")
	blocks := a.run([]int{0}, "output", "-raw", "import_blocks").Stdout
	a.t.Logf("imports.tf:\n%s", blocks)
	if u := a.run([]int{0}, "output", "-json", "unsupported").Stdout; strings.TrimSpace(u) != "[]" {
		a.t.Logf("unsupported: %s", u)
	}
	for _, addr := range want {
		if !strings.Contains(blocks, "to = "+addr+"\n") {
			a.t.Errorf("the inventory's import blocks lack %s", addr)
		}
	}
	if err := os.WriteFile(filepath.Join(a.w.Dir, "imports.tf"), []byte(blocks), 0o644); err != nil {
		a.t.Fatal(err)
	}
	n := strings.Count(blocks, "import {")
	a.run([]int{0}, "plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
	gen, err := os.ReadFile(filepath.Join(a.w.Dir, "generated.tf"))
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Logf("generated.tf:\n%s", gen)
	a.run([]int{0}, "validate", "-no-color")
	p := a.run([]int{2}, "plan", "-no-color", "-input=false", "-detailed-exitcode")
	a.t.Logf("plan:\n%s", p.Stdout)
	wantPlan := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", n)
	if got := planLine.FindString(p.Stdout); got != wantPlan {
		a.t.Fatalf("plan is not import only: want %q, got %q\n%s", wantPlan, got, p.Stdout)
	}
	before := a.snapshot(machines)
	r := a.run([]int{0}, "apply", "-auto-approve", "-no-color", "-input=false")
	a.t.Logf("apply:\n%s", r.Stdout)
	if !strings.Contains(r.Stdout, fmt.Sprintf("Apply complete! Resources: %d imported, 0 added, 0 changed, 0 destroyed.", n)) {
		a.t.Errorf("apply was not import only:\n%s", r.Stdout)
	}
	after := a.snapshot(machines)
	for i, m := range machines {
		if before[i].workers != after[i].workers {
			a.t.Errorf("the adoption reloaded HAProxy on %s: workers %s -> %s", m.Name, before[i].workers, after[i].workers)
		}
		if before[i].cfg != after[i].cfg {
			a.t.Errorf("the adoption changed haproxy.cfg on %s:\n%s", m.Name, lineDiff(before[i].cfg, after[i].cfg))
		}
	}
	a.run([]int{0}, "plan", "-no-color", "-input=false", "-detailed-exitcode")
	return string(gen)
}

type machineSnapshot struct{ cfg, workers string }

func (a *adoption) snapshot(machines []lab.Machine) []machineSnapshot {
	a.t.Helper()
	out := make([]machineSnapshot, len(machines))
	for i, m := range machines {
		out[i] = machineSnapshot{cfg: a.sh(m, "cat "+cfgPath), workers: strings.Join(workerPIDs(a.t, a.ctx, m), ",")}
	}
	return out
}

// change edits generated.tf with edit, applies, and checks that haproxy.cfg
// on m changed by exactly the lines in wantDiff (lineDiff's format) and
// that the plan is empty afterwards.
func (a *adoption) change(m lab.Machine, edit func(gen string) string, wantDiff string) {
	a.t.Helper()
	path := filepath.Join(a.w.Dir, "generated.tf")
	gen, err := os.ReadFile(path)
	if err != nil {
		a.t.Fatal(err)
	}
	edited := edit(string(gen))
	if edited == string(gen) {
		a.t.Fatal("the change's edit did not change generated.tf")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		a.t.Fatal(err)
	}
	before := a.sh(m, "cat "+cfgPath)
	r := a.run([]int{0}, "apply", "-auto-approve", "-no-color", "-input=false")
	if !strings.Contains(r.Stdout, "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.") {
		a.t.Errorf("the change is not one update:\n%s", r.Stdout)
	}
	after := a.sh(m, "cat "+cfgPath)
	a.t.Logf("haproxy.cfg on %s after the change:\n%s", m.Name, after)
	if got := lineDiff(before, after); got != wantDiff {
		a.t.Errorf("haproxy.cfg on %s changed by\n%s\nwant exactly\n%s", m.Name, got, wantDiff)
	}
	a.run([]int{0}, "plan", "-no-color", "-input=false", "-detailed-exitcode")
}

// lineDiff lists the lines only in a ("- ") then only in b ("+ "), as a
// multiset difference: enough to say which lines a change touched.
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	var plus []string
	for _, l := range strings.Split(b, "\n") {
		if count[l] > 0 {
			count[l]--
		} else {
			plus = append(plus, "+ "+l)
		}
	}
	var minus []string
	for _, l := range strings.Split(a, "\n") {
		if count[l] > 0 {
			count[l]--
			minus = append(minus, "- "+l)
		}
	}
	return strings.Join(append(minus, plus...), "\n")
}

// workerPIDs are HAProxy's current workers on m (master socket `show proc`):
// a reload replaces them.
func workerPIDs(t *testing.T, ctx context.Context, m lab.Machine) []string {
	t.Helper()
	out, stderr, err := m.Run(ctx, "sh", "-c", "echo 'show proc' | socat /run/haproxy-master.sock -")
	if err != nil {
		t.Fatalf("show proc on %s: %v %s", m.Name, err, stderr)
	}
	var pids []string
	section := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "# ") {
			section = strings.TrimSpace(line[2:])
			continue
		}
		if f := strings.Fields(line); section == "workers" && len(f) > 1 && f[1] == "worker" {
			pids = append(pids, f[0])
		}
	}
	slices.Sort(pids)
	return pids
}

// request is one request a test sends before and after the adoption.
type request struct {
	url        string
	user, pass string
}

// answers sends each request n times (new connections, so round robin
// shows) and returns, per request, the sorted distinct "status body" lines.
func answers(t *testing.T, reqs []request, n int) map[string][]string {
	t.Helper()
	waitUp(t, reqs[0].url)
	out := map[string][]string{}
	for _, r := range reqs {
		key := r.url + " as " + r.user
		for range n {
			code, body := get(t, r)
			line := fmt.Sprintf("%d %s", code, body)
			if !slices.Contains(out[key], line) {
				out[key] = append(out[key], line)
			}
		}
		slices.Sort(out[key])
	}
	return out
}

// waitUp waits (bounded) until rawURL accepts connections: a reload's new
// worker may bind a moment after systemctl returns.
func waitUp(t *testing.T, rawURL string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	host := u.Host
	if u.Port() == "" {
		host += ":80"
	}
	for range 50 {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func get(t *testing.T, r request) (int, string) {
	t.Helper()
	u, err := url.Parse(r.url)
	if err != nil || !strings.HasPrefix(u.Hostname(), "10.147.83.") {
		t.Fatalf("refusing to send a request outside the lab: %s", r.url)
	}
	req, err := http.NewRequest(http.MethodGet, r.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.user != "" {
		req.SetBasicAuth(r.user, r.pass)
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", r.url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		t.Fatalf("GET %s: %v", r.url, err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return resp.StatusCode, first
}

// sameAnswers fails when the answers differ.
func sameAnswers(t *testing.T, before, after map[string][]string) {
	t.Helper()
	for k, want := range before {
		if !slices.Equal(want, after[k]) {
			t.Errorf("%s: answers before %q, after %q", k, want, after[k])
		}
	}
}

// namespacedApp makes, by hand as the article does, network namespace ns
// with its loopback up and a unit file written by hand, unit.service, that
// runs the lab app on 127.0.0.1:8000 inside it (PrivateNetwork= plus
// NetworkNamespacePath=, no User=: it runs as root). The cleanup removes
// both.
func (a *adoption) namespacedApp(m lab.Machine, ns, unit string) {
	a.t.Helper()
	a.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		script := "systemctl disable --now " + unit + ".service; rm -f /etc/systemd/system/" + unit + ".service; " +
			"systemctl disable switchyard-netns@" + ns + ".service 2>/dev/null; systemctl daemon-reload; " +
			"ip netns del " + ns + " 2>/dev/null; true"
		if _, stderr, err := m.Run(ctx, "sh", "-c", script); err != nil {
			a.t.Logf("cleanup on %s: %v %s", m.Name, err, stderr)
		}
	})
	a.sh(m, "ip netns add "+ns+" && ip netns exec "+ns+" ip link set dev lo up")
	body := "[Unit]\nDescription=" + unit + "\nAfter=network.target\n\n" +
		"[Service]\nPrivateNetwork=yes\nNetworkNamespacePath=/var/run/netns/" + ns + "\n" +
		"ExecStart=/usr/bin/python3 /usr/local/lib/switchyard-lab/app.py 8000\n\n" +
		"[Install]\nWantedBy=multi-user.target\n"
	if err := m.WriteFile(a.ctx, "/etc/systemd/system/"+unit+".service", []byte(body), 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.sh(m, "systemctl daemon-reload && systemctl enable --now "+unit+".service")
	a.waitPort(m, "ip netns exec "+ns+" ", "127.0.0.1", 8000)
}

// transientApp runs the lab app on address:port of m as a transient unit
// (a process someone started; it is not adopted), stopped at cleanup.
func (a *adoption) transientApp(m lab.Machine, unit string, port int, address string) {
	a.t.Helper()
	a.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _, _ = m.Run(ctx, "systemctl", "stop", unit+".service")
	})
	a.sh(m, fmt.Sprintf("systemctl stop %s.service 2>/dev/null; systemctl reset-failed %s.service 2>/dev/null; "+
		"systemd-run --unit=%s /usr/bin/python3 /usr/local/lib/switchyard-lab/app.py %d %s", unit, unit, unit, port, address))
	a.waitPort(m, "", address, port)
}

// waitPort waits (bounded) until address:port accepts on m, through prefix
// (e.g. "ip netns exec NS ").
func (a *adoption) waitPort(m lab.Machine, prefix, address string, port int) {
	a.t.Helper()
	probe := fmt.Sprintf("%scurl -s -o /dev/null --max-time 2 http://%s:%d/", prefix, address, port)
	for range 50 {
		if _, _, err := m.Run(a.ctx, "sh", "-c", probe); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	a.t.Fatalf("nothing answers on %s:%d on %s", address, port, m.Name)
}

// stateJSON is `terraform show -json` of the state.
func (a *adoption) stateJSON() string {
	a.t.Helper()
	return a.run([]int{0}, "show", "-json", "-no-color").Stdout
}

// setServer returns gen with attribute attr of server `server` of backend
// resource `resource` (its label in generated.tf) set to value (HCL).
func setServer(gen, resource, server, attr, value string) string {
	return setIn(gen, "switchyard_backend", resource, server, attr, value)
}

// setIn returns gen with attribute attr of the object named name (a server,
// a user) inside resource typ.label set to value (HCL). generate-config-out
// writes each such object with every attribute, one per line.
func setIn(gen, typ, label, name, attr, value string) string {
	start := strings.Index(gen, `resource "`+typ+`" "`+label+`" {`)
	if start < 0 {
		return gen
	}
	end := start + strings.Index(gen[start:], "\n}\n")
	block := gen[start:end]
	nameAt := regexp.MustCompile(`name\s+= "` + regexp.QuoteMeta(name) + `"`).FindStringIndex(block)
	if nameAt == nil {
		return gen
	}
	objStart := strings.LastIndex(block[:nameAt[0]], "{")
	objEnd := nameAt[1] + strings.Index(block[nameAt[1]:], "}")
	obj := regexp.MustCompile(`(\n\s*`+attr+`\s+= )[^\n]*`).ReplaceAllString(block[objStart:objEnd], "${1}"+strings.ReplaceAll(value, "$", "$$"))
	return gen[:start] + block[:objStart] + obj + block[objEnd:] + gen[end:]
}
