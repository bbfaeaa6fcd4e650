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
	"sync"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

const (
	unitDir      = "/etc/systemd/system"
	templateName = "switchyard-netns@.service"
	wantsDir     = unitDir + "/multi-user.target.wants"
	dropInName   = "switchyard-netns.conf"
	header       = "# Managed by Switchyard (terraform-provider-switchyard). Edits are reverted by terraform apply.\n"
)

// Dir holds the namespaces' bind mounts, as `ip netns` keeps them.
const Dir = "/run/netns"

// mu serialises this package's unit-file writes and reloads.
var mu sync.Mutex

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

func run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

func exists(name string) bool {
	_, err := os.Stat(filepath.Join(Dir, name))
	return err == nil
}

// Get reports a namespace; CodeNotFound when neither it nor its enabled
// unit is there.
func Get(ctx context.Context, name string) (api.Namespace, error) {
	ns := api.Namespace{Name: name, Unit: Unit(name), Exists: exists(name)}
	out, _ := run(ctx, "systemctl", "is-enabled", "--", Unit(name))
	ns.Enabled = strings.TrimSpace(out) == "enabled"
	if !ns.Exists && !ns.Enabled {
		return ns, api.Errorf(api.CodeNotFound, "network namespace %q does not exist and its unit %s is not enabled", name, Unit(name))
	}
	return ns, nil
}

// Ensure makes the namespace exist, with its unit installed, enabled and
// started, and HAProxy (haproxyService) ordered after it. recreated says
// that the namespace had been deleted while its unit was active, so
// whatever held the old one (HAProxy's `namespace` servers) must reopen it.
func Ensure(ctx context.Context, name, haproxyService string) (ns api.Namespace, recreated bool, err error) {
	if err := installTemplate(ctx); err != nil {
		return api.Namespace{}, false, err
	}
	if _, err := run(ctx, "systemctl", "enable", "--", Unit(name)); err != nil {
		return api.Namespace{}, false, api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
	}
	if err := syncDropIn(ctx, haproxyService); err != nil {
		return api.Namespace{}, false, err
	}
	verb := "start"
	out, _ := run(ctx, "systemctl", "is-active", "--", Unit(name))
	wasActive := strings.TrimSpace(out) == "active"
	if !exists(name) {
		// Deleted by hand while the unit stayed active: a restart runs the
		// unit again and, through Requires=, restarts the services that
		// were left in the old, now nameless, namespace.
		verb = "restart"
	}
	if _, err := run(ctx, "systemctl", verb, "--", Unit(name)); err != nil {
		return api.Namespace{}, false, api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
	}
	ns, err = Get(ctx, name)
	return ns, verb == "restart" && wasActive, err
}

// Revive recreates a managed namespace that was deleted by hand (its unit
// still enabled) by restarting its unit, which also restarts the services
// that require it. It does nothing for a namespace that exists or that
// Switchyard does not manage. HAProxy's change pipeline calls it before
// `haproxy -c`, which refuses the whole configuration while any `namespace`
// server names a missing namespace; the reload that follows makes HAProxy
// open the new one.
func Revive(ctx context.Context, name string) (bool, error) {
	if exists(name) {
		return false, nil
	}
	out, _ := run(ctx, "systemctl", "is-enabled", "--", Unit(name))
	if strings.TrimSpace(out) != "enabled" {
		return false, nil
	}
	if _, err := run(ctx, "systemctl", "restart", "--", Unit(name)); err != nil {
		return false, fmt.Errorf("network namespace %q: %w", name, err)
	}
	return true, nil
}

// Delete stops and disables the namespace's unit and deletes the namespace.
// The caller checks first that no managed service uses it.
func Delete(ctx context.Context, name, haproxyService string) error {
	if _, err := Get(ctx, name); err != nil {
		return err
	}
	if _, err := run(ctx, "systemctl", "disable", "--now", "--", Unit(name)); err != nil {
		return api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
	}
	if exists(name) {
		if _, err := run(ctx, "ip", "netns", "delete", name); err != nil {
			return api.Errorf(api.CodeRejected, "network namespace %q: %v", name, err)
		}
	}
	return syncDropIn(ctx, haproxyService)
}

func installTemplate(ctx context.Context) error {
	ip, err := exec.LookPath("ip")
	if err != nil {
		return fmt.Errorf("iproute2's ip is needed for network namespaces: %w", err)
	}
	_, err = writeIfChanged(ctx, filepath.Join(unitDir, templateName), template(ip))
	return err
}

// syncDropIn rewrites HAProxy's drop-in from the enabled namespace units,
// which are the one record of which namespaces exist.
func syncDropIn(ctx context.Context, haproxyService string) error {
	links, err := filepath.Glob(filepath.Join(wantsDir, "switchyard-netns@*.service"))
	if err != nil {
		return err
	}
	units := make([]string, 0, len(links))
	for _, l := range links {
		units = append(units, filepath.Base(l))
	}
	slices.Sort(units)
	path := filepath.Join(unitDir, haproxyService+".service.d", dropInName)
	if len(units) == 0 {
		mu.Lock()
		defer mu.Unlock()
		if err := os.Remove(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		_, err := run(ctx, "systemctl", "daemon-reload")
		return err
	}
	body := header + "# HAProxy's `namespace` servers need these namespaces when it starts.\n[Unit]\n" +
		"Wants=" + strings.Join(units, " ") + "\nAfter=" + strings.Join(units, " ") + "\n"
	_, err = writeIfChanged(ctx, path, []byte(body))
	return err
}

// writeIfChanged writes path atomically and daemon-reloads when its content
// changes.
func writeIfChanged(ctx context.Context, path string, body []byte) (bool, error) {
	mu.Lock()
	defer mu.Unlock()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, body) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, err
	}
	tmp := path + ".switchyard-tmp"
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return false, err
	}
	_, err := run(ctx, "systemctl", "daemon-reload")
	return true, err
}
