package haproxy

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
)

// Reloader makes the running HAProxy pick up the configuration file and
// confirms that it did. It is an interface so that tests can run the whole
// change pipeline, real `haproxy -c` included, without a service manager.
type Reloader interface {
	// Reload returns nil only once HAProxy runs the new configuration. An
	// error should be a *ReloadError when there is tool output to show.
	Reload(ctx context.Context) error
}

// ReloadError is a reload that did not take effect.
type ReloadError struct {
	Msg    string
	Detail string // systemctl output, journal lines, show proc before/after
}

func (e *ReloadError) Error() string {
	if e.Detail == "" {
		return e.Msg
	}
	return e.Msg + ":\n" + e.Detail
}

// SystemdReloader reloads HAProxy's systemd unit and confirms on the master
// CLI that a new generation of workers took over. It never starts a stopped
// HAProxy.
type SystemdReloader struct {
	Service      string
	MasterSocket string
	Systemctl    systemctl.Runner // default systemctl.Exec
	// Confirm bounds the wait for the new workers (default 10 s).
	Confirm time.Duration
	// ConfigFile and RuntimeSocket, when set, make each reload save the
	// server state to the file the configuration names (statefile.go);
	// Logf, when set, hears about a state that could not be saved.
	ConfigFile    string
	RuntimeSocket string
	Logf          func(format string, args ...any)
}

// pollInterval is how often show proc is asked while waiting.
const pollInterval = 25 * time.Millisecond

// Reload implements Reloader: the server state is saved right before the
// reload and its file removed once the new workers run (statefile.go).
func (r *SystemdReloader) Reload(ctx context.Context) error {
	// Stick tables are handed to the new workers only by a worker whose
	// peers resync is finished (peerssync.go).
	waitPeersCanTeach(ctx, runtime.Client{Socket: r.RuntimeSocket}, peersSyncWait, r.logf)
	saver := stateSaver{ConfigFile: r.ConfigFile, RuntimeSocket: r.RuntimeSocket, Logf: r.Logf}
	saved := saver.save(ctx)
	err := r.reload(ctx)
	if err == nil {
		saver.remove(saved)
	}
	return err
}

func (r *SystemdReloader) reload(ctx context.Context) error {
	confirm := r.Confirm
	if confirm <= 0 {
		confirm = 10 * time.Second
	}
	if !r.isActive(ctx) {
		// A stopped HAProxy runs no configuration, so there is nothing to
		// make live: the file is validated and written, and HAProxy loads
		// it whenever it is started (switchyard_haproxy's running, or a
		// person). Starting it here would undo a deliberate stop as a side
		// effect of an unrelated change.
		return nil
	}
	// Right after a reload the master re-executes itself and its CLI is
	// briefly unavailable; a USR2 sent in that window can be lost. Waiting
	// for a good answer first also gives us the "before" set.
	before, beforeErr := r.waitShowProc(ctx, 2*time.Second)
	// The journal's clock is the machine's: everything HAProxy logs from
	// here on is about this reload (one second earlier, for the rounding
	// of --since).
	since := time.Now().Add(-time.Second)
	const verb = "reload"
	if _, err := r.systemctl().Run(ctx, verb, r.Service); err != nil {
		// err names the command and carries its output.
		return r.failure(ctx, since, err.Error())
	}

	deadline := time.Now().Add(confirm)
	var last ProcList
	var lastErr error
	for {
		last, lastErr = showProc(ctx, r.MasterSocket)
		if lastErr == nil {
			switch {
			case beforeErr != nil:
				// Nothing to compare with: any worker means HAProxy runs
				// the file as it is now, since it was reloaded after the
				// write.
				if len(last.Workers) > 0 {
					return nil
				}
			case !slices.Equal(last.Workers, before.Workers) && len(last.Workers) > 0:
				return nil
			case before.MasterReloads >= 0 && last.MasterReloads > before.MasterReloads && last.MasterFailed > 0:
				// The master re-executed, kept the old workers and counted
				// a failure: no point in waiting any longer.
				return r.failure(ctx, since,
					fmt.Sprintf("HAProxy failed to load the new configuration (%s reload, workers still %v)", r.Service, last.Workers))
			}
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
	msg := fmt.Sprintf("HAProxy did not take the new configuration within %s after systemctl %s %s", confirm, verb, r.Service)
	var d []string
	if beforeErr == nil {
		d = append(d, fmt.Sprintf("workers before: %v", before.Workers))
	}
	if lastErr != nil {
		d = append(d, fmt.Sprintf("show proc: %v", lastErr))
	} else {
		d = append(d, fmt.Sprintf("workers after: %v (failed reloads: %d)", last.Workers, last.MasterFailed))
	}
	return r.failure(ctx, since, msg, d...)
}

// failure builds the error of a reload that did not take. HAProxy says why
// in its own ALERT lines ("Binding [haproxy.cfg:9] for frontend web: cannot
// bind socket (Address already in use) for [0.0.0.0:8199]"), which name the
// section at fault; they lead the message, ahead of the unit's log tail,
// where they would otherwise drown among "Reloading HAProxy" and "Former
// worker exited" lines.
func (r *SystemdReloader) failure(ctx context.Context, since time.Time, msg string, detail ...string) *ReloadError {
	log := r.journal(ctx, since)
	if alerts := alertLines(log); len(alerts) > 0 {
		msg += ". HAProxy said: " + strings.Join(alerts, "; ")
	}
	return &ReloadError{Msg: msg, Detail: joinDetail(append(detail, log)...)}
}

// alertLines picks HAProxy's ALERT messages out of its log, without the
// level and process id prefix ("[ALERT]    (1234) : "), in order and once
// each; the generic "Some protocols failed to start" line that follows a
// failed bind says nothing the bind's own line does not.
func alertLines(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		_, rest, ok := strings.Cut(line, "[ALERT]")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "(") {
			if _, after, ok := strings.Cut(rest, ") :"); ok {
				rest = strings.TrimSpace(after)
			}
		}
		if rest == "" || strings.Contains(rest, "failed to start their listeners") || slices.Contains(out, rest) {
			continue
		}
		out = append(out, rest)
	}
	return out
}

func (r *SystemdReloader) waitShowProc(ctx context.Context, limit time.Duration) (ProcList, error) {
	deadline := time.Now().Add(limit)
	for {
		pl, err := showProc(ctx, r.MasterSocket)
		if err == nil || time.Now().After(deadline) {
			return pl, err
		}
		select {
		case <-ctx.Done():
			return pl, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

func (r *SystemdReloader) isActive(ctx context.Context) bool {
	_, err := r.systemctl().Run(ctx, "is-active", "--quiet", r.Service)
	return err == nil
}

func (r *SystemdReloader) systemctl() systemctl.Runner {
	if r.Systemctl == nil {
		return systemctl.Exec{}
	}
	return r.Systemctl
}

// journal returns the unit's log lines since the reload began (at most the
// last 40), where HAProxy explains a failed reload; best effort.
func (r *SystemdReloader) journal(ctx context.Context, since time.Time) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "journalctl", "-u", r.Service, "--since", fmt.Sprintf("@%d", since.Unix()),
		"-n", "40", "--no-pager", "-o", "cat").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func joinDetail(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "\n")
}

func (r *SystemdReloader) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}
