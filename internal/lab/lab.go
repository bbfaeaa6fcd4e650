// Package lab starts real test machines on this one Linux box for the
// provider's acceptance tests and its demo: systemd-nspawn containers with
// real systemd, sshd and HAProxy, each in its own network namespace on a
// private bridge, reachable only from the box.
//
// Everything the lab creates on the box (bridge, network namespaces, veths,
// overlay mounts, cgroups, processes) is first written to DIR/lab.json, so
// Down removes exactly that, also after a crash or a half-finished Up.
//
// Tests only need Load; Up, Down, Restart and Status back the switchyard-lab
// command (internal/lab/cmd/switchyard-lab). All of them need root.
package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"
)

const (
	// DefaultDir is where the lab keeps its records, keys and machine
	// directories unless told otherwise.
	DefaultDir = "/var/lib/switchyard-lab"

	// DirEnv names the environment variable that Load("") reads the lab
	// directory from (`switchyard-lab env` prints it).
	DirEnv = "SWITCHYARD_LAB_DIR"

	// MaxMachines bounds -n: addresses are .11 … .(10+n) of one /24.
	MaxMachines = 32

	// Machines boot in ≈ 2 s; a minute means something is broken.
	bootTimeout = 60 * time.Second
)

// FrontendPort is where every machine's `frontend lab` listens (all
// addresses): tests select their backend with the x-switchyard-backend
// header. Not 80, which the example topologies and the demo bind.
const FrontendPort = 8090

// appPorts are the lab-app@PORT instances every machine runs on 127.0.0.1.
var appPorts = []int{8080, 8081, 8082}

// Options for Up.
type Options struct {
	Dir string    // default DefaultDir
	N   int       // number of machines, default 2
	Log io.Writer // progress lines; default discard
}

// Lab is a running lab as recorded in DIR/lab.json.
type Lab struct {
	Dir            string
	Subnet         string // the lab's private /24, e.g. "10.147.83.0/24"
	Gateway        string // the bridge's address on the box, e.g. "10.147.83.1"
	PrivateKeyPath string // the lab client key (OpenSSH format, 0600)
	KnownHostsPath string // known_hosts with every machine's host key
	Machines       []Machine
}

// Machine is one lab machine and how to reach it over SSH.
type Machine struct {
	Name           string `json:"name"`    // also its hostname and netns name
	Address        string `json:"address"` // IPv4 on the lab bridge
	Port           int    `json:"port"`    // 22
	User           string `json:"user"`    // "root"
	PrivateKeyPath string `json:"private_key_path"`
	HostKey        string `json:"host_key"` // "ssh-ed25519 AAAA…" (authorized_keys format)

	privateKeyPEM string // read by Load so tests need no file access
}

// TFVars are the machine's provider settings under the names every example
// topology uses for a machine (host, private_key_file, host_key).
func (m Machine) TFVars() map[string]string {
	return map[string]string{"host": m.Address, "private_key_file": m.PrivateKeyPath, "host_key": m.HostKey}
}

// PrivateKeyPEM returns the lab client key (OpenSSH PEM format), as read by
// Load; for a Machine not obtained from a Lab it reads PrivateKeyPath and
// returns "" if that fails.
func (m Machine) PrivateKeyPEM() string {
	if m.privateKeyPEM != "" {
		return m.privateKeyPEM
	}
	b, err := os.ReadFile(m.PrivateKeyPath)
	if err != nil {
		return ""
	}
	return string(b)
}

// Machine returns the machine with the given name.
func (l *Lab) Machine(name string) (Machine, error) {
	for _, m := range l.Machines {
		if m.Name == name {
			return m, nil
		}
	}
	return Machine{}, fmt.Errorf("lab has no machine %q", name)
}

// ResolveDir returns dir, or $SWITCHYARD_LAB_DIR, or DefaultDir.
func ResolveDir(dir string) string {
	if dir != "" {
		return dir
	}
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	return DefaultDir
}

// Load reads the running lab from dir (see ResolveDir for ""). It fails
// with a hint to start the lab when there is none or it is not running.
// It does not need root as long as lab.json and the key are readable.
func Load(dir string) (*Lab, error) {
	dir = ResolveDir(dir)
	recs, err := readRecords(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("lab not running: run `make lab-up` (no %s)", filepath.Join(dir, recordsFile))
	}
	if err != nil {
		return nil, err
	}
	if recs.State != stateRunning {
		return nil, fmt.Errorf("lab not running: run `make lab-up` (%s says state %q: the last up failed or is still running)",
			filepath.Join(dir, recordsFile), recs.State)
	}
	for _, m := range recs.Machines {
		if !processAlive(m.PID, m.PIDStart) {
			return nil, fmt.Errorf("lab not running: run `make lab-up` (machine %s, pid %d, is gone)", m.Name, m.PID)
		}
	}
	return recs.lab()
}

// lab turns records into the public view and reads the client key once.
func (r *records) lab() (*Lab, error) {
	key, err := os.ReadFile(r.PrivateKeyPath)
	if err != nil {
		return nil, fmt.Errorf("read lab client key: %w", err)
	}
	l := &Lab{
		Dir:            r.Dir,
		Subnet:         r.Subnet,
		Gateway:        r.Gateway,
		PrivateKeyPath: r.PrivateKeyPath,
		KnownHostsPath: r.KnownHostsPath,
	}
	for _, mr := range r.Machines {
		m := mr.Machine
		m.privateKeyPEM = string(key)
		l.Machines = append(l.Machines, m)
	}
	return l, nil
}

// Up makes sure a healthy lab of opts.N machines runs in opts.Dir: it reuses
// a recorded one that is healthy and the same size, and otherwise tears down
// whatever is recorded and starts a fresh one. On failure it leaves what it
// started in place (and recorded) for inspection; the next Up or Down
// removes it.
func Up(ctx context.Context, opts Options) (*Lab, error) {
	dir, n, log := ResolveDir(opts.Dir), opts.N, opts.Log
	if n == 0 {
		n = 2
	}
	if log == nil {
		log = io.Discard
	}
	if n < 1 || n > MaxMachines {
		return nil, fmt.Errorf("lab size %d out of range 1..%d", n, MaxMachines)
	}
	if err := checkHost(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create lab dir: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return nil, fmt.Errorf("lock lab dir %s: %w", dir, err)
	}
	defer unlock()

	basePath := baseImagePath()
	old, err := readRecords(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("%w (move it away by hand if it is not a lab record)", err)
	default:
		problem := old.reusable(ctx, n, basePath)
		if problem == "" {
			_, _ = fmt.Fprintf(log, "lab: reusing the running lab of %d machines\n", n)
			return old.lab()
		}
		_, _ = fmt.Fprintf(log, "lab: tearing down the recorded lab (%s)\n", problem)
		if err := teardown(ctx, old, log); err != nil {
			return nil, fmt.Errorf("tear down the previous lab: %w", err)
		}
	}

	start := time.Now()
	base, err := ensureBaseImage(ctx, log)
	if err != nil {
		return nil, err
	}
	recs, err := planLab(ctx, dir, n, base)
	if err != nil {
		return nil, err
	}
	if err := recs.save(); err != nil {
		return nil, err
	}
	if err := startLab(ctx, recs, log); err != nil {
		return nil, fmt.Errorf("%w\n(the lab is left as is for inspection; `switchyard-lab down -dir %s` removes it)", err, dir)
	}
	recs.State = stateRunning
	if err := recs.save(); err != nil {
		return nil, err
	}
	_, _ = fmt.Fprintf(log, "lab: %d machines up in %.1fs\n", n, time.Since(start).Seconds())
	return recs.lab()
}

// startLab creates what recs describes: the bridge, then every machine in
// parallel, then waits for all of them to be healthy.
func startLab(ctx context.Context, recs *records, log io.Writer) error {
	clientPub, err := ensureClientKey(recs.PrivateKeyPath)
	if err != nil {
		return err
	}
	if err := createBridge(ctx, recs.Bridge, recs.gatewayPrefix()); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(log, "lab: starting %d machines on %s\n", len(recs.Machines), recs.Subnet)
	err = forEachMachine(recs, func(mr *machineRecord) error {
		return startMachine(ctx, recs, mr, clientPub)
	})
	if err != nil {
		return err
	}
	if err := writeKnownHosts(recs); err != nil {
		return err
	}
	return forEachMachine(recs, func(mr *machineRecord) error {
		return waitHealthy(ctx, *mr, bootTimeout)
	})
}

// Down tears down what dir's records say was started (see ResolveDir for
// ""). Without records it does nothing; after a failure it can simply be
// run again.
func Down(ctx context.Context, dir string) error {
	dir = ResolveDir(dir)
	if err := checkRoot(); err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return fmt.Errorf("lock lab dir %s: %w", dir, err)
	}
	defer unlock()
	recs, err := readRecords(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return teardown(ctx, recs, io.Discard)
}

// teardown removes everything recs lists, machines in parallel, and deletes
// the records only when all of it is gone, so a failed teardown can be
// retried. Every step checks first whether its resource still exists.
func teardown(ctx context.Context, recs *records, log io.Writer) error {
	_, _ = fmt.Fprintf(log, "lab: tearing down %d machines\n", len(recs.Machines))
	if err := forEachMachine(recs, func(mr *machineRecord) error {
		return teardownMachine(ctx, mr)
	}); err != nil {
		return err
	}
	if err := deleteBridge(ctx, recs.Bridge); err != nil {
		return err
	}
	if recs.NetnsDirMountedByLab {
		if err := releaseNetnsRunDir(); err != nil {
			return err
		}
	}
	if recs.NspawnRunDirCreatedByLab {
		releaseNspawnRunDir()
	}
	for _, p := range []string{recs.KnownHostsPath, filepath.Join(recs.Dir, machinesDir)} {
		if err := removeAllNoMounts(p); err != nil {
			return err
		}
	}
	if err := os.Remove(recs.path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove records: %w", err)
	}
	_, _ = fmt.Fprintln(log, "lab: down")
	return nil
}

// Restart stops machine name and boots it again on the same overlay root,
// so files written on it survive, as across a reboot; namespaces, tmpfs and
// processes do not. It returns once the machine is healthy again.
func Restart(ctx context.Context, dir, name string) error {
	dir = ResolveDir(dir)
	if err := checkHost(); err != nil {
		return err
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, ".lock"))
	if err != nil {
		return fmt.Errorf("lock lab dir %s: %w", dir, err)
	}
	defer unlock()
	recs, err := readRecords(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lab not running: run `make lab-up`")
	}
	if err != nil {
		return err
	}
	mr := recs.machine(name)
	if mr == nil {
		return fmt.Errorf("lab has no machine %q", name)
	}
	if err := rebootMachine(ctx, recs, mr); err != nil {
		return err
	}
	return waitHealthy(ctx, *mr, bootTimeout)
}

// MachineStatus is one machine's line in Status.
type MachineStatus struct {
	Machine
	PID     int
	Running bool   // the recorded nspawn process is alive
	Problem string // "" when healthy (SSH, haproxy and the apps answer)
}

// StatusReport is what Status finds.
type StatusReport struct {
	Dir      string
	State    string // "" when nothing is recorded, else "starting" or "running"
	Subnet   string
	Machines []MachineStatus
}

// Status checks every recorded machine (process alive, then the health
// check, once, with a short timeout).
func Status(ctx context.Context, dir string) (*StatusReport, error) {
	dir = ResolveDir(dir)
	rep := &StatusReport{Dir: dir}
	recs, err := readRecords(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	rep.State, rep.Subnet = recs.State, recs.Subnet
	rep.Machines = make([]MachineStatus, len(recs.Machines))
	var wg sync.WaitGroup
	for i, mr := range recs.Machines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := MachineStatus{Machine: mr.Machine, PID: mr.PID, Running: processAlive(mr.PID, mr.PIDStart)}
			if !st.Running {
				st.Problem = "not running"
			} else if err := checkHealth(ctx, mr, 10*time.Second); err != nil {
				st.Problem = err.Error()
			}
			rep.Machines[i] = st
		}()
	}
	wg.Wait()
	return rep, nil
}

// reusable says why the recorded lab cannot serve a request for n machines
// on base, or "" if it can.
func (r *records) reusable(ctx context.Context, n int, base string) string {
	switch {
	case r.State != stateRunning:
		return fmt.Sprintf("state %q", r.State)
	case len(r.Machines) != n:
		return fmt.Sprintf("it has %d machines, %d wanted", len(r.Machines), n)
	case r.Base != base:
		return "the base image changed"
	}
	var errs []error
	var mu sync.Mutex
	_ = forEachMachine(r, func(mr *machineRecord) error {
		var err error
		if !processAlive(mr.PID, mr.PIDStart) {
			err = fmt.Errorf("machine %s is not running", mr.Name)
		} else {
			err = checkHealth(ctx, *mr, 10*time.Second)
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if len(errs) > 0 {
		return errors.Join(errs...).Error()
	}
	return ""
}

// forEachMachine runs f on every machine in parallel and joins the errors.
func forEachMachine(recs *records, f func(*machineRecord) error) error {
	errs := make([]error, len(recs.Machines))
	var wg sync.WaitGroup
	for i := range recs.Machines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(&recs.Machines[i])
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// gatewayPrefix is the bridge address with the subnet's length.
func (r *records) gatewayPrefix() netip.Prefix {
	return netip.PrefixFrom(netip.MustParseAddr(r.Gateway), netip.MustParsePrefix(r.Subnet).Bits())
}
