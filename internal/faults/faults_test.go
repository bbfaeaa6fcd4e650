package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// bulk is the size of the large apply the faults interrupt: big enough
// that it spans many batches (and several seconds) on the lab machine.
const bulk = 150

// killPoint is when a test kills terraform: once the bulk backends on the
// machine satisfy at.
type killPoint struct {
	name string
	port int
	at   func(n int) bool
}

// TestAccFault_terraformKilledDuringApply kills terraform and its provider
// (the process group, SIGKILL, as a CI runner's timeout does) at two points
// of an apply of 150 backends: once the first backend exists on the
// machine, and once half of them do. The witness frontend, applied before
// from the same state, must keep answering; the next apply must converge by
// itself.
func TestAccFault_terraformKilledDuringApply(t *testing.T) {
	m := labMachine(t, "swlab-1")
	for _, kp := range []killPoint{
		{"first", 8311, func(n int) bool { return n >= 1 }},
		{"half", 8312, func(n int) bool { return n >= bulk/2 }},
	} {
		t.Run(kp.name, func(t *testing.T) {
			s := newSite(t, m, "ka", kp.port)
			s.apply()
			p := s.startProbe()
			before := s.mustSections()
			s.vars["backends"] = bulk
			st := s.start("apply")
			n := s.waitBulk(st, "the kill point", kp.at)
			if err := st.Kill(); err != nil {
				t.Fatal(err)
			}
			r, _ := st.Wait()
			t.Logf("killed terraform apply after %s, with %d of %d backends on the machine (exit %d); %s", r.Duration.Round(time.Millisecond), n, bulk, r.ExitCode, s.stateSummary())
			o := outcome{name: "terraform killed during apply (" + kp.name + ")"}
			s.repairTornState(&o)
			s.recover(&o, before)
			o.probe = p.Stop()
			report(t, o)
		})
	}
}

// TestAccFault_terraformKilledDuringDestroy kills terraform and its
// provider during the destroy of 150 backends: once the first is gone from
// the machine, and once half are. The witness is another state's frontend
// on the same machine, which the destroy must not disturb; the next apply
// of the destroyed state must converge by itself (and the cleanup's
// destroy must finish the job).
func TestAccFault_terraformKilledDuringDestroy(t *testing.T) {
	m := labMachine(t, "swlab-1")
	for _, kp := range []killPoint{
		{"first", 8313, func(n int) bool { return n <= bulk-1 }},
		{"half", 8315, func(n int) bool { return n <= bulk/2 }},
	} {
		t.Run(kp.name, func(t *testing.T) {
			witness := newSite(t, m, "kw", kp.port)
			witness.apply()
			p := witness.startProbe()
			s := newSite(t, m, "kd", kp.port+1)
			s.vars["backends"] = bulk
			s.apply()
			before := append(witness.mustSections(), s.mustSections()...)
			st := s.start("destroy")
			n := s.waitBulk(st, "the kill point", kp.at)
			if err := st.Kill(); err != nil {
				t.Fatal(err)
			}
			r, _ := st.Wait()
			t.Logf("killed terraform destroy after %s, with %d of %d backends left on the machine (exit %d); %s", r.Duration.Round(time.Millisecond), n, bulk, r.ExitCode, s.stateSummary())
			o := outcome{name: "terraform killed during destroy (" + kp.name + ")"}
			s.repairTornState(&o)
			s.recover(&o, nil)
			witness.recover(&o, nil)
			after := append(witness.mustSections(), s.mustSections()...)
			o.lost = missing(before, after)
			o.probe = p.Stop()
			report(t, o)
		})
	}
}

// missing lists the items of before that after lacks.
func missing(before, after []string) []string {
	have := map[string]bool{}
	for _, a := range after {
		have[a] = true
	}
	var out []string
	for _, b := range before {
		if !have[b] {
			out = append(out, b)
		}
	}
	return out
}

// cutAgentSSH kills, by PID, the sshd session process that serves the
// newest agent on m (the nearest sshd ancestor of the agent, never the
// listening sshd, whose parent is PID 1), and returns its PID.
func cutAgentSSH(t *testing.T, ctx context.Context, m lab.Machine) string {
	t.Helper()
	// [/] keeps this script's own command line from matching.
	const script = `a=$(pgrep -n -f '[/]switchyard-agent serve') || { echo "no agent running" >&2; exit 3; }
p=$a
while [ "$p" -gt 1 ]; do
  pp=$(ps -o ppid= -p "$p" | tr -d ' ')
  [ "$pp" = 1 ] && break
  if [ "$(ps -o comm= -p "$p")" = sshd ]; then kill -KILL "$p"; echo "$p"; exit 0; fi
  p=$pp
done
echo "no sshd session above agent $a" >&2; exit 4`
	return onMachine(t, ctx, m, script)
}

// TestAccFault_sshCutDuringApply cuts the provider's SSH connection in the
// middle of an apply of 150 backends: the sshd session process serving
// the agent is killed on the machine once the first backends exist.
func TestAccFault_sshCutDuringApply(t *testing.T) {
	m := labMachine(t, "swlab-1")
	s := newSite(t, m, "ssh", 8317)
	s.apply()
	p := s.startProbe()
	before := s.mustSections()
	s.vars["backends"] = bulk
	st := s.start("apply")
	n := s.waitBulk(st, "the cut", func(n int) bool { return n >= 1 })
	pid := cutAgentSSH(t, s.ctx, m)
	r, _ := st.Wait()
	t.Logf("killed sshd session %s with %d of %d backends on the machine; the apply ended after %s with exit %d; %s:\n%s",
		pid, n, bulk, r.Duration.Round(time.Millisecond), r.ExitCode, s.stateSummary(), tail(r.Stderr, 1500))
	o := outcome{name: "ssh connection cut during apply"}
	s.recover(&o, before)
	o.probe = p.Stop()
	report(t, o)
}

// faultExitAfterCommit is the agent's fault point file (see
// internal/agent/haproxy/faultpoint.go).
const faultExitAfterCommit = "/run/switchyard/faults/exit-after-commit"

// TestAccFault_agentExitAfterCommit makes the agent exit after it has
// written a batch to haproxy.cfg and before it reloads HAProxy (the agent's
// fault point, armed by a root-owned file it removes as it fires): the
// machine then holds a file that HAProxy is not running.
func TestAccFault_agentExitAfterCommit(t *testing.T) {
	m := labMachine(t, "swlab-1")
	s := newSite(t, m, "cx", 8318)
	s.apply()
	p := s.startProbe()
	before := s.mustSections()
	t.Cleanup(func() { _, _, _ = m.Run(context.Background(), "rm", "-f", faultExitAfterCommit) })
	onMachine(t, s.ctx, m, `mkdir -p "${1%/*}" && chmod 0700 "${1%/*}" && touch "$1"`, faultExitAfterCommit)
	s.vars["backends"] = 20
	r, err := s.tryApply()
	if err == nil {
		t.Errorf("the apply across the agent's exit succeeded; want it to fail")
	}
	if left := onMachine(t, s.ctx, m, `test -e "$1" && echo armed; true`, faultExitAfterCommit); left != "" {
		t.Fatalf("the fault point did not fire (is faultpoint.go in the agent?); apply:\n%s", r)
	}
	t.Logf("the agent exited after commit; the apply ended with exit %d:\n%s", r.ExitCode, tail(r.Stderr, 1500))
	o := outcome{name: "agent exit between commit and reload"}
	s.recover(&o, before)
	o.probe = p.Stop()
	report(t, o)
}

// TestAccFault_checkRejects applies a backend whose server address does not
// resolve on the machine: `haproxy -c` rejects it. The error must name the
// backend, the previous configuration must keep serving, and the apply
// after the fix must converge.
func TestAccFault_checkRejects(t *testing.T) {
	m := labMachine(t, "swlab-1")
	s := newSite(t, m, "chk", 8319)
	s.apply()
	p := s.startProbe()
	before := s.mustSections()
	s.vars["bad_address"] = "nosuchhost.invalid"
	r, err := s.tryApply()
	o := outcome{name: "haproxy -c rejects a change"}
	if err == nil {
		t.Errorf("the apply of an unresolvable server address succeeded")
	}
	bad := s.prefix + "-bad"
	if !strings.Contains(flat(r.Stderr), bad) {
		t.Errorf("the error does not name backend %s:\n%s", bad, r.Stderr)
	}
	t.Logf("the rejected apply:\n%s", tail(r.Stderr, 1500))
	for _, sec := range s.mustSections() {
		if sec == "backend "+bad {
			t.Errorf("the rejected backend %s is in %s", bad, haproxyCfg)
		}
	}
	// The user's fix: remove the bad backend from the configuration.
	s.vars["bad_address"] = ""
	s.recover(&o, before)
	o.probe = p.Stop()
	report(t, o)
}

// TestAccFault_reloadFails applies a frontend on a port another process
// holds on the machine: `haproxy -c` accepts it, the reload fails. The
// previous configuration must be restored and serving, and the error must
// show HAProxy's own reason, naming the frontend. Once the port is free,
// the same configuration must apply.
func TestAccFault_reloadFails(t *testing.T) {
	m := labMachine(t, "swlab-1")
	s := newSite(t, m, "rl", 8320)
	s.apply()
	p := s.startProbe()
	before := s.mustSections()
	const taken = 8321
	// A listener without SO_REUSEPORT, so HAProxy's bind fails; it ends by
	// itself after 10 minutes should the cleanup not run.
	pid := onMachine(t, s.ctx, m, `nohup python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen()
time.sleep(600)' "$1" >/dev/null 2>&1 </dev/null &
echo $!`, fmt.Sprint(taken))
	stopListener := func() {
		_, _, _ = m.Run(context.Background(), "kill", pid)
	}
	t.Cleanup(stopListener)
	// Give it a moment to bind, then make sure it holds the port.
	onMachine(t, s.ctx, m, `for i in 1 2 3 4 5 6 7 8 9 10; do ss -Htln "sport = :$1" | grep -q . && exit 0; sleep 0.2; done; echo "port $1 not held" >&2; exit 1`, fmt.Sprint(taken))

	s.vars["taken_port"] = taken
	r, err := s.tryApply()
	if err == nil {
		t.Errorf("the apply of a frontend on a held port succeeded")
	}
	frontend := s.prefix + "-taken"
	// The agent finds the held port before it reloads (a reload that fails
	// to bind pauses every listener of the machine for about two seconds),
	// so the reason is the agent's, with the address.
	wantReason := fmt.Sprintf(":%d: address already in use", taken)
	if !strings.Contains(flat(r.Stderr), wantReason) {
		t.Errorf("the error does not show the reason %q", wantReason)
	}
	if !strings.Contains(flat(r.Stderr), frontend) {
		t.Errorf("the error does not name frontend %s", frontend)
	}
	t.Logf("the failed apply:\n%s", tail(r.Stderr, 2500))
	for _, sec := range s.mustSections() {
		if sec == "frontend "+frontend {
			t.Errorf("frontend %s is in %s after the failed reload: the previous configuration was not restored", frontend, haproxyCfg)
		}
	}
	stopListener()
	o := outcome{name: "reload fails after a valid check"}
	s.recover(&o, before)
	o.probe = p.Stop()
	report(t, o)
}

// TestAccFault_concurrentRuns runs two terraform applies from different
// states against one machine at once, 60 backends each: both must succeed
// and every object of both must be on the machine after (no lost update).
func TestAccFault_concurrentRuns(t *testing.T) {
	m := labMachine(t, "swlab-1")
	a := newSite(t, m, "ca", 8322)
	a.apply()
	p := a.startProbe()
	before := a.mustSections()
	b := newSite(t, m, "cb", 8323)
	a.vars["backends"], b.vars["backends"] = 60, 60
	sa, sb := a.start("apply"), b.start("apply")
	ra, _ := sa.Wait()
	rb, _ := sb.Wait()
	o := outcome{name: "two terraform runs at once"}
	for _, r := range []struct {
		name string
		res  string
		code int
	}{{a.prefix, ra.String(), ra.ExitCode}, {b.prefix, rb.String(), rb.ExitCode}} {
		if r.code != 0 {
			o.manual = append(o.manual, "concurrent apply "+r.name+" failed")
			t.Errorf("concurrent apply of %s: %s", r.name, tail(r.res, 2500))
		}
	}
	// Every object of both, straight after the two runs.
	after := append(a.mustSections(), b.mustSections()...)
	o.lost = missing(append(a.want(), b.want()...), after)
	a.recover(&o, before)
	b.recover(&o, nil)
	o.probe = p.Stop()
	report(t, o)
}

// transactionDir is where the agent writes each change before it commits
// it (internal/agent/haproxy DefaultTransactionDir).
const transactionDir = "/var/lib/switchyard/transactions"

// TestAccFault_diskFull fills the file system the agent writes its
// transactions to while it applies a change: inside swlab-1, a 256 KiB tmpfs
// mounted on the transaction directory and filled up (the box's own disk
// is never touched). The apply must fail with a clear error, the previous
// configuration must stay intact and serving, and once space is free
// again the next apply must converge.
func TestAccFault_diskFull(t *testing.T) {
	m := labMachine(t, "swlab-1")
	s := newSite(t, m, "df", 8326)
	s.apply()
	p := s.startProbe()
	before := s.mustSections()
	const source = "switchyard-fault-full" // names the mount, so the cleanup only undoes its own
	unmount := func() error {
		_, stderr, err := m.Run(context.Background(), "sh", "-c",
			`if [ "$(findmnt -n -o SOURCE -M "$1")" = "$2" ]; then umount "$1"; fi`, "sh", transactionDir, source)
		if err != nil {
			return fmt.Errorf("%v %s", err, stderr)
		}
		return nil
	}
	t.Cleanup(func() {
		if err := unmount(); err != nil {
			t.Errorf("unmounting the full file system: %v", err)
		}
	})
	onMachine(t, s.ctx, m, `set -e
mkdir -p "$1"
if mountpoint -q "$1"; then echo "$1 is a mount point already" >&2; exit 5; fi
mount -t tmpfs -o size=256k,mode=0700 "$2" "$1"
dd if=/dev/zero of="$1/zz-fault-fill" bs=4k 2>/dev/null || true
test "$(df --output=avail -k "$1" | tail -n 1 | tr -d ' ')" -eq 0`, transactionDir, source)

	s.vars["backends"] = 5
	r, err := s.tryApply()
	if err == nil {
		t.Errorf("the apply on a full file system succeeded")
	}
	if !strings.Contains(strings.ToLower(flat(r.Stderr)), "no space left on device") {
		t.Errorf("the error does not say the disk is full (no space left on device)")
	}
	t.Logf("the apply on a full file system:\n%s", tail(r.Stderr, 1500))
	if got := s.mustSections(); strings.Join(got, ",") != strings.Join(before, ",") {
		t.Errorf("the configuration changed although the apply failed: before %v, after %v", before, got)
	}
	if err := s.haproxyCheck(); err != nil {
		t.Errorf("the previous configuration is not intact: %v", err)
	}
	// Space is freed: the fault's cause goes, not a repair of Switchyard's.
	if err := unmount(); err != nil {
		t.Fatal(err)
	}
	o := outcome{name: "disk full while writing"}
	s.recover(&o, before)
	o.probe = p.Stop()
	report(t, o)
}

// TestAccFault_rebootMidApply reboots swlab-2 (only that machine: other
// tests use swlab-1) while an apply of 150 backends runs against it. The
// request loop runs from the end of the reboot (nothing answers while the
// machine is down) through the recovery.
func TestAccFault_rebootMidApply(t *testing.T) {
	m := labMachine(t, "swlab-2")
	s := newSite(t, m, "rb", 8324)
	s.apply()
	before := s.mustSections()
	s.vars["backends"] = bulk
	st := s.start("apply")
	n := s.waitBulk(st, "the reboot", func(n int) bool { return n >= 1 })
	start := time.Now()
	if err := lab.Restart(s.ctx, "", m.Name); err != nil {
		t.Fatal(err)
	}
	t.Logf("rebooted %s in %s, with %d of %d backends on it", m.Name, time.Since(start).Round(time.Millisecond), n, bulk)
	p := s.startProbe()
	r, _ := st.Wait()
	t.Logf("the apply across the reboot ended with exit %d after %s:\n%s", r.ExitCode, r.Duration.Round(time.Millisecond), tail(r.Stderr, 1500))
	o := outcome{name: "machine rebooted mid-apply"}
	s.recover(&o, before)
	o.probe = p.Stop()
	report(t, o)
}

// TestAccFault_rebootAfterApply reboots swlab-2 (only that machine) after
// an apply: everything must come back as applied, and the plan after the
// reboot must be empty. The request loop runs from the end of the reboot.
func TestAccFault_rebootAfterApply(t *testing.T) {
	m := labMachine(t, "swlab-2")
	s := newSite(t, m, "ra", 8325)
	s.vars["backends"] = 20
	s.apply()
	before := s.mustSections()
	if err := lab.Restart(s.ctx, "", m.Name); err != nil {
		t.Fatal(err)
	}
	p := s.startProbe()
	o := outcome{name: "machine rebooted after apply"}
	pl, err := s.w.Plan(s.ctx)
	switch {
	case err != nil:
		o.manual = append(o.manual, "plan after the reboot failed")
		t.Errorf("plan after the reboot: %v", err)
	case pl.ExitCode != 0:
		o.manual = append(o.manual, "plan after the reboot not empty")
		t.Errorf("plan after the reboot: exit %d, changes %v, drift %v\n%s", pl.ExitCode, pl.Changed, pl.Drifted, pl.Stdout)
	}
	s.recover(&o, before)
	o.probe = p.Stop()
	report(t, o)
}

// flat joins s's words with single spaces: terraform wraps diagnostics at
// 80 columns, anywhere in a message.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
