package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// nspawnRunDir is systemd-nspawn's runtime directory on the box.
const nspawnRunDir = "/run/systemd/nspawn"

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// releaseNspawnRunDir removes nspawn's runtime directories if they are
// empty: only then is no other container using them.
func releaseNspawnRunDir() {
	for _, d := range []string{"locks", "propagate", ""} {
		_ = syscall.Rmdir(filepath.Join(nspawnRunDir, d))
	}
}

// checkRoot: the lab mounts, makes namespaces and cgroups, and boots
// containers; none of that works without root.
func checkRoot() error {
	if os.Geteuid() != 0 {
		return errors.New("switchyard-lab must run as root")
	}
	return nil
}

// checkHost fails early, with the fix, when a tool the lab runs is missing.
func checkHost() error {
	if err := checkRoot(); err != nil {
		return err
	}
	var missing []string
	for _, tool := range []string{"systemd-nspawn", "debootstrap", "ip", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s: apt-get install -y systemd-container debootstrap iproute2", strings.Join(missing, ", "))
	}
	return nil
}

// planLab decides every name, address and path of a new lab of n machines,
// and refuses when one of them is already taken on the box by something
// the lab has no record of: it never adopts (and later deletes) what is
// not its own.
func planLab(ctx context.Context, dir string, n int, base string) (*records, error) {
	roots, err := cgroupRoots()
	if err != nil {
		return nil, err
	}
	used, err := usedPrefixes(ctx)
	if err != nil {
		return nil, fmt.Errorf("choose the lab subnet: %w", err)
	}
	subnet, err := pickSubnet(subnetCandidates, used)
	if err != nil {
		return nil, err
	}
	recs := &records{
		Version:                  recordsVersion,
		State:                    stateStarting,
		Dir:                      dir,
		Base:                     base,
		Subnet:                   subnet.String(),
		Gateway:                  hostAddr(subnet, 1).String(),
		Bridge:                   bridgeName,
		NetnsDirMountedByLab:     !isMountPoint(netnsRunDir),
		NspawnRunDirCreatedByLab: !exists(nspawnRunDir),
		PrivateKeyPath:           filepath.Join(dir, "id_ed25519"),
		KnownHostsPath:           filepath.Join(dir, "known_hosts"),
	}
	var conflicts []string
	if linkExists(bridgeName) {
		conflicts = append(conflicts, fmt.Sprintf("link %s exists (remove: ip link del %s)", bridgeName, bridgeName))
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("swlab-%d", i)
		md := filepath.Join(dir, machinesDir, name)
		mr := machineRecord{
			Machine: Machine{
				Name:           name,
				Address:        machineAddr(subnet, i).String(),
				Port:           22,
				User:           "root",
				PrivateKeyPath: recs.PrivateKeyPath,
			},
			Netns:      name,
			Veth:       "ve-" + name,
			MachineDir: md,
			Root:       filepath.Join(md, "root"),
			Upper:      filepath.Join(md, "upper"),
			Work:       filepath.Join(md, "work"),
			Cgroups:    machineCgroups(roots, name),
			ConsoleLog: filepath.Join(md, "console.log"),
		}
		if netnsExists(mr.Netns) {
			conflicts = append(conflicts, fmt.Sprintf("network namespace %s exists (remove: ip netns del %s)", mr.Netns, mr.Netns))
		}
		if linkExists(mr.Veth) {
			conflicts = append(conflicts, fmt.Sprintf("link %s exists (remove: ip link del %s)", mr.Veth, mr.Veth))
		}
		if ms := mountsUnder(md); len(ms) > 0 {
			conflicts = append(conflicts, fmt.Sprintf("%s is mounted (remove: umount %s)", ms[0], ms[0]))
		}
		for _, cg := range mr.Cgroups {
			if pids := cgroupProcs(cg); len(pids) > 0 {
				conflicts = append(conflicts, fmt.Sprintf("cgroup %s holds processes %v", cg, pids))
			}
		}
		recs.Machines = append(recs.Machines, mr)
	}
	if len(conflicts) > 0 {
		return nil, fmt.Errorf("the box has lab resources that %s does not record (another lab, or a lost record?): %s",
			recs.path(), strings.Join(conflicts, "; "))
	}
	return recs, nil
}

// startMachine creates machine mr and boots it; every resource is already
// in the records (planLab), and what becomes known on the way (host key,
// pid) is saved at once.
func startMachine(ctx context.Context, recs *records, mr *machineRecord, clientPub ssh.PublicKey) error {
	fail := func(step string, err error) error { return fmt.Errorf("machine %s: %s: %w", mr.Name, step, err) }

	// Leftovers of an earlier lab whose records are gone; planLab made sure
	// nothing is mounted there.
	if err := removeAllNoMounts(mr.MachineDir); err != nil {
		return fail("clean machine dir", err)
	}
	for _, d := range []string{mr.Upper, mr.Work, mr.Root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail("create machine dir", err)
		}
	}
	if err := mountOverlay(recs.Base, mr.Upper, mr.Work, mr.Root); err != nil {
		return fail("mount root", err)
	}
	hostKey, err := writeIdentity(mr.Root, mr.Name, clientPub)
	if err != nil {
		return fail("write identity", err)
	}
	if err := recs.update(func() { mr.HostKey = hostKey }); err != nil {
		return fail("record host key", err)
	}
	bits := netip.MustParsePrefix(recs.Subnet).Bits()
	if err := createMachineNet(ctx, mr, recs.Bridge, bits); err != nil {
		return fail("network", err)
	}
	return boot(recs, mr)
}

// boot starts systemd-nspawn for mr in its own cgroups and records its pid.
// The flags are the ones found to work on this kind of box (see LAB.md):
// --register=no needs --keep-unit (else "Failed to open system bus"), and
// CAP_NET_ADMIN lets the machine manage its own network namespaces.
func boot(recs *records, mr *machineRecord) error {
	fail := func(err error) error { return fmt.Errorf("machine %s: boot: %w", mr.Name, err) }
	nspawn, err := exec.LookPath("systemd-nspawn")
	if err != nil {
		return fail(err)
	}
	for _, cg := range mr.Cgroups {
		if err := os.MkdirAll(cg, 0o755); err != nil {
			return fail(fmt.Errorf("create cgroup: %w", err))
		}
	}
	argv := []string{nspawn,
		"-b", "-D", mr.Root, "-M", mr.Name,
		"--register=no", "--keep-unit",
		"--console=read-only",
		"--network-namespace-path=" + filepath.Join(netnsRunDir, mr.Netns),
		"--capability=CAP_NET_ADMIN",
	}
	pid, start, err := startInCgroups(argv, mr.Cgroups, mr.ConsoleLog)
	if pid != 0 {
		if uerr := recs.update(func() { mr.PID, mr.PIDStart = pid, start }); uerr != nil && err == nil {
			err = uerr
		}
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// healthScript passes once sshd takes the lab key (it runs at all),
// HAProxy is active and every app instance answers; it prints what it saw.
func healthScript() string {
	var b strings.Builder
	b.WriteString("systemctl is-active haproxy.service || exit 1\n")
	for _, p := range appPorts {
		fmt.Fprintf(&b, "curl -sS --max-time 2 http://127.0.0.1:%d/lab-health || exit 1\n", p)
	}
	return b.String()
}

// checkHealth runs healthScript on mr once and checks the app bodies.
func checkHealth(ctx context.Context, mr machineRecord, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, _, err := mr.Run(ctx, "sh", "-c", healthScript())
	if err != nil {
		if s := strings.TrimSpace(out); s != "" {
			err = fmt.Errorf("%w (output: %s)", err, strings.ReplaceAll(s, "\n", " | "))
		}
		return err
	}
	for _, p := range appPorts {
		want := fmt.Sprintf("lab-app %d on %s path=/lab-health", p, mr.Name)
		if !strings.Contains(out, want) {
			return fmt.Errorf("machine %s: lab-app@%d answered %q, want %q", mr.Name, p, out, want)
		}
	}
	return nil
}

// waitHealthy polls checkHealth until it passes, the machine dies, or
// timeout; the error then carries the end of the machine's console.
func waitHealthy(ctx context.Context, mr machineRecord, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if !processAlive(mr.PID, mr.PIDStart) {
			return fmt.Errorf("machine %s: boot: systemd-nspawn (pid %d) exited; console %s:\n%s",
				mr.Name, mr.PID, mr.ConsoleLog, fileTail(mr.ConsoleLog, 25))
		}
		err := checkHealth(ctx, mr, 5*time.Second)
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("machine %s: wait for health: %w (last check: %v)", mr.Name, ctx.Err(), last)
			}
			return fmt.Errorf("machine %s: wait for health: not healthy after %s: %v\nconsole %s:\n%s",
				mr.Name, timeout, last, mr.ConsoleLog, fileTail(mr.ConsoleLog, 25))
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// stopMachine ends every process of mr: nspawn by its recorded pid first
// (so the machine shuts down cleanly), then whatever is left in its cgroups.
func stopMachine(mr *machineRecord) error {
	var errs []error
	if err := terminate(mr.PID, mr.PIDStart, 15*time.Second); err != nil {
		errs = append(errs, err)
	}
	if err := killCgroups(mr.Cgroups, 10*time.Second); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("machine %s: stop: %w", mr.Name, err)
	}
	return nil
}

// teardownMachine removes everything of mr that exists, in dependency
// order; it tries every step and reports all failures.
func teardownMachine(ctx context.Context, mr *machineRecord) error {
	var errs []error
	if err := stopMachine(mr); err != nil {
		errs = append(errs, err)
	}
	if err := unmountAll(mr.Root); err != nil {
		errs = append(errs, fmt.Errorf("machine %s: unmount root: %w", mr.Name, err))
	}
	if err := deleteMachineNet(ctx, mr); err != nil {
		errs = append(errs, fmt.Errorf("machine %s: delete network: %w", mr.Name, err))
	}
	if err := removeCgroups(mr.Cgroups, false); err != nil {
		errs = append(errs, fmt.Errorf("machine %s: %w", mr.Name, err))
	}
	if len(errs) == 0 {
		if err := removeAllNoMounts(mr.MachineDir); err != nil {
			errs = append(errs, fmt.Errorf("machine %s: %w", mr.Name, err))
		}
	}
	return errors.Join(errs...)
}

// rebootMachine stops mr and boots it again on the same root and network.
func rebootMachine(ctx context.Context, recs *records, mr *machineRecord) error {
	if err := stopMachine(mr); err != nil {
		return err
	}
	// The machine's systemd rebuilds its cgroup tree at boot.
	if err := removeCgroups(mr.Cgroups, true); err != nil {
		return fmt.Errorf("machine %s: %w", mr.Name, err)
	}
	if !netnsExists(mr.Netns) {
		return fmt.Errorf("machine %s: network namespace %s is gone: run `switchyard-lab up` again", mr.Name, mr.Netns)
	}
	if !isMountPoint(mr.Root) {
		if err := mountOverlay(recs.Base, mr.Upper, mr.Work, mr.Root); err != nil {
			return fmt.Errorf("machine %s: mount root: %w", mr.Name, err)
		}
	}
	return boot(recs, mr)
}
