// Package netns manages named network namespaces (/run/netns/NAME) and the
// systemd unit that recreates each one at boot, and connects into them.
//
// A namespace is backed by an instance of one template unit,
// switchyard-netns@.service: a oneshot that creates the namespace if it is
// missing and sets its loopback up. It has no ExecStop on purpose: stopping
// or restarting the unit must never delete a namespace that services still
// run in; only an explicit Delete does. Services that use a namespace
// Require= its unit, so restarting the unit (to recreate a namespace deleted
// by hand) restarts them into the new namespace too. HAProxy gets a drop-in
// that orders it after every managed namespace, so its `namespace` servers
// exist when it starts at boot.
package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

const (
	templateName = "switchyard-netns@.service"
	dropInName   = "switchyard-netns.conf"
	header       = "# Managed by Switchyard (terraform-provider-switchyard). Edits are reverted by terraform apply.\n"
)

// Dir holds the namespaces' bind mounts, as `ip netns` keeps them.
const Dir = "/run/netns"

// UnitDir is where the units and HAProxy's drop-in are written.
const UnitDir = "/etc/systemd/system"

// Namespaces manages the machine's namespaces. Its changes (units, the
// drop-in, the namespaces themselves) are made under the machine lock, so
// that two sessions, or two namespaces of one wave, never interleave.
type Namespaces struct {
	Systemctl systemctl.Runner
	Lock      *machinelock.Lock
	// UnitDir defaults to UnitDir; enable links are in its
	// multi-user.target.wants.
	UnitDir string
	// Dir defaults to Dir.
	Dir string
}

func (n *Namespaces) unitDir() string {
	if n.UnitDir == "" {
		return UnitDir
	}
	return n.UnitDir
}

func (n *Namespaces) wantsDir() string {
	return filepath.Join(n.unitDir(), "multi-user.target.wants")
}

func (n *Namespaces) systemctl(ctx context.Context, args ...string) (string, error) {
	return n.Systemctl.Run(ctx, args...)
}

// Unit is the systemd unit of namespace name.
func Unit(name string) string { return "switchyard-netns@" + name + ".service" }

// template renders the template unit; ip is the resolved path of `ip`.
// %i is the instance name as given (no unescaping), which the provider
// restricts to characters that need none.
func template(ip string) []byte {
	return []byte(header + `[Unit]
Description=Switchyard network namespace %i
Before=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
# "-": an existing namespace is kept as is (services may run in it); the
# next line fails if the namespace really could not be made.
ExecStart=-` + ip + ` netns add %i
ExecStart=` + ip + ` -n %i link set lo up

[Install]
WantedBy=multi-user.target
`)
}

func (n *Namespaces) exists(name string) bool {
	dir := n.Dir
	if dir == "" {
		dir = Dir
	}
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// Get reports a namespace; CodeNotFound when neither it nor its enabled
// unit is there.
func (n *Namespaces) Get(ctx context.Context, name string) (api.Namespace, error) {
	ns := api.Namespace{Name: name, Unit: Unit(name), Exists: n.exists(name)}
	out, _ := n.systemctl(ctx, "is-enabled", "--", Unit(name))
	ns.Enabled = strings.TrimSpace(out) == "enabled"
	if !ns.Exists && !ns.Enabled {
		return ns, api.Errorf(api.CodeNotFound, "network namespace %q does not exist and its unit %s is not enabled", name, Unit(name))
	}
	return ns, nil
}

// Ensure makes the namespace exist. With boot, its unit is installed,
// enabled and started, and HAProxy (haproxyService) ordered after it.
// Without boot (a namespace someone made with `ip netns add`, adopted as
// it is), it has no unit: a unit of Switchyard's is disabled, and a missing
// namespace is made the way `ip netns add` makes it, loopback up. recreated
// says that the namespace had been deleted while its unit was active, so
// whatever held the old one (HAProxy's `namespace` servers) must reopen it.
func (n *Namespaces) Ensure(ctx context.Context, name string, boot bool, haproxyService string) (ns api.Namespace, recreated bool, err error) {
	unlock, err := n.Lock.Acquire(ctx)
	if err != nil {
		return api.Namespace{}, false, err
	}
	defer unlock()
	if !boot {
		return n.ensureWithoutUnit(ctx, name, haproxyService)
	}
	if err := n.installTemplate(ctx); err != nil {
		return api.Namespace{}, false, err
	}
	if _, err := n.systemctl(ctx, "enable", "--", Unit(name)); err != nil {
		return api.Namespace{}, false, api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
	}
	// Under the lock, so that the glob of enable links sees every
	// namespace enabled before this one.
	if err := n.syncDropIn(ctx, haproxyService); err != nil {
		return api.Namespace{}, false, err
	}
	verb := "start"
	out, _ := n.systemctl(ctx, "is-active", "--", Unit(name))
	wasActive := strings.TrimSpace(out) == "active"
	if !n.exists(name) {
		// Deleted by hand while the unit stayed active: a restart runs the
		// unit again and, through Requires=, restarts the services that
		// were left in the old, now nameless, namespace.
		verb = "restart"
	}
	if _, err := n.systemctl(ctx, verb, "--", Unit(name)); err != nil {
		return api.Namespace{}, false, api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
	}
	ns, err = n.Get(ctx, name)
	return ns, verb == "restart" && wasActive, err
}

// ensureWithoutUnit is Ensure without boot. The caller holds the lock.
func (n *Namespaces) ensureWithoutUnit(ctx context.Context, name, haproxyService string) (api.Namespace, bool, error) {
	out, _ := n.systemctl(ctx, "is-enabled", "--", Unit(name))
	if strings.TrimSpace(out) == "enabled" {
		// Without --now: the unit has no ExecStop, and stopping it must
		// not matter to a namespace services run in; disabled, it only
		// no longer runs at boot.
		if _, err := n.systemctl(ctx, "disable", "--", Unit(name)); err != nil {
			return api.Namespace{}, false, api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
		}
		if err := n.syncDropIn(ctx, haproxyService); err != nil {
			return api.Namespace{}, false, err
		}
	}
	if !n.exists(name) {
		for _, args := range [][]string{{"netns", "add", name}, {"-n", name, "link", "set", "lo", "up"}} {
			if out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput(); err != nil {
				return api.Namespace{}, false, api.Errorf(api.CodeRejected, "network namespace %q: ip %s: %v: %s",
					name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
			}
		}
	}
	ns, err := n.Get(ctx, name)
	return ns, false, err
}

// Revive recreates a managed namespace that was deleted by hand (its unit
// still enabled) by restarting its unit, which also restarts the services
// that require it. It does nothing for a namespace that exists or that
// Switchyard does not manage. HAProxy's change pipeline calls it before
// `haproxy -c`, which refuses the whole configuration while any `namespace`
// server names a missing namespace; the reload that follows makes HAProxy
// open the new one. The caller holds the machine lock (the pipeline does).
func (n *Namespaces) Revive(ctx context.Context, name string) (bool, error) {
	if n.exists(name) {
		return false, nil
	}
	out, _ := n.systemctl(ctx, "is-enabled", "--", Unit(name))
	if strings.TrimSpace(out) != "enabled" {
		return false, nil
	}
	if _, err := n.systemctl(ctx, "restart", "--", Unit(name)); err != nil {
		return false, fmt.Errorf("network namespace %q: %w", name, err)
	}
	return true, nil
}

// Delete stops and disables the namespace's unit and deletes the namespace.
// The caller checks first that no managed service uses it.
func (n *Namespaces) Delete(ctx context.Context, name, haproxyService string) error {
	unlock, err := n.Lock.Acquire(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := n.Get(ctx, name); err != nil {
		return err
	}
	if _, err := n.systemctl(ctx, "disable", "--now", "--", Unit(name)); err != nil {
		return api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
	}
	if n.exists(name) {
		if out, err := exec.CommandContext(ctx, "ip", "netns", "delete", name).CombinedOutput(); err != nil {
			return api.Errorf(api.CodeRejected, "network namespace %q: ip netns delete: %v: %s", name, err, strings.TrimSpace(string(out)))
		}
	}
	return n.syncDropIn(ctx, haproxyService)
}

func (n *Namespaces) installTemplate(ctx context.Context) error {
	ip, err := exec.LookPath("ip")
	if err != nil {
		return fmt.Errorf("iproute2's ip is needed for network namespaces: %w", err)
	}
	_, err = n.writeIfChanged(ctx, filepath.Join(n.unitDir(), templateName), template(ip))
	return err
}

// syncDropIn rewrites HAProxy's drop-in from the enabled namespace units,
// which are the one record of which namespaces exist. The caller holds the
// machine lock: a glob and a write of two namespaces' calls interleaved
// would lose one of them.
func (n *Namespaces) syncDropIn(ctx context.Context, haproxyService string) error {
	links, err := filepath.Glob(filepath.Join(n.wantsDir(), "switchyard-netns@*.service"))
	if err != nil {
		return err
	}
	units := make([]string, 0, len(links))
	for _, l := range links {
		units = append(units, filepath.Base(l))
	}
	slices.Sort(units)
	path := filepath.Join(n.unitDir(), haproxyService+".service.d", dropInName)
	if len(units) == 0 {
		if err := os.Remove(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		_, err := n.systemctl(ctx, "daemon-reload")
		return err
	}
	body := header + "# HAProxy's `namespace` servers need these namespaces when it starts.\n[Unit]\n" +
		"Wants=" + strings.Join(units, " ") + "\nAfter=" + strings.Join(units, " ") + "\n"
	_, err = n.writeIfChanged(ctx, path, []byte(body))
	return err
}

// writeIfChanged writes path atomically and daemon-reloads when its content
// changes. The caller holds the machine lock.
func (n *Namespaces) writeIfChanged(ctx context.Context, path string, body []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, body) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	if err := atomicfile.Write(path, body, atomicfile.New(0o644)); err != nil {
		return false, err
	}
	_, err := n.systemctl(ctx, "daemon-reload")
	return true, err
}
