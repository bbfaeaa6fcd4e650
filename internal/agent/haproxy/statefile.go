package haproxy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	parser "github.com/haproxytech/client-native/v5/config-parser"
	"github.com/haproxytech/client-native/v5/config-parser/options"
	"github.com/haproxytech/client-native/v5/config-parser/params"
	"github.com/haproxytech/client-native/v5/config-parser/types"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
)

// The server-state file carries what the running HAProxy knows about its
// servers into the workers of the next reload: administrative state (drain,
// maint set at runtime), the runtime weight and the health-check state, so
// a server that checks had marked DOWN starts DOWN instead of taking
// requests until `fall` checks fail again. HAProxy only reads the file
// (global `server-state-file`, `load-server-state-from-file global` in
// defaults); writing it is the job of whoever reloads, so the agent saves
// `show servers state` right before each reload it does, and only when the
// configuration about to be loaded names a file.
//
// How HAProxy 2.6 applies a line (src/server_state.c), and what that means
// here:
//   - Admin state: `disabled` in the file wins whenever it changed since
//     the saved process was started; otherwise the saved forced maint is
//     kept. Drain is kept unless it came from a configured weight of 0 that
//     is now positive. Switchyard writes drain as `weight 0` (serverstate.go),
//     so a drain survives an unrelated reload through the state file, and a
//     re-enable that reloads drops it, as it should.
//   - Weight: the saved runtime weight is applied only when the configured
//     weight did not change, so a new weight in the file always wins. A
//     drain set live on a server that had a weight changes the file's
//     weight to 0 (its drain encoding) but not the runtime weight, so
//     HAProxy would see a new configured weight and drop the runtime one:
//     the server would stay drained at weight 0, and the next plan would
//     show the weight as drift. For a drained server the new file writes
//     with `weight 0`, the saved line therefore says the configured weight
//     was 0 already, and the runtime weight (the user's) is kept.
//   - Address and port: applied unconditionally (the port directly, the
//     address through `init-addr last`, the default). A server whose address
//     or port the new file changes would come back with the old one. HAProxy
//     does not guard against this, so the agent does: a saved line is kept
//     only for a server the new file still has at the same address and port;
//     any other server starts as the file says, like a new one.
//   - Operational state: applied whatever the new file says about checks.
//     A server saved DOWN whose new line has no `check` would stay DOWN for
//     good (nothing checks it any more, and every later save keeps it DOWN),
//     so such a line is left out too. A server whose checks or namespace
//     change keeps its saved health state until its checks say otherwise
//     (`rise` checks): the state file has no column to tell.
//
// The agent's post-reload re-set of drains (serverstate.go) stays: it is
// what repairs a reload without the file (turned off, or done by hand), and
// after a reload with the file it is a no-op.
//
// The file is removed once the reload is confirmed. It describes one
// moment; kept, a later `systemctl reload` or restart done by hand would
// load a state minutes or days old (a server DOWN back then starts DOWN,
// a maint since lifted comes back). Without it such a reload behaves as it
// would without the feature, and the next apply repairs the admin states.

// stateFileMode lets HAProxy read the file whichever user it runs as (the
// master reads it as root when it parses the configuration; nothing in it
// is secret: backend and server names and addresses, as in haproxy.cfg).
const stateFileMode = 0o644

// stateFilePlan is what the configuration about to be loaded says about
// the state file.
type stateFilePlan struct {
	Path string // "" when the configuration names no server-state-file
	// Servers maps "backend/server" to its server line.
	Servers map[string]plannedServer
}

// plannedServer is what the new file says of one server.
type plannedServer struct {
	Address string // as written: "127.0.0.1:8080"
	// WeightZero: the line has `weight 0`, which is how Switchyard writes a
	// drained server.
	WeightZero bool
	// Check: the line has `check`.
	Check bool
}

// readStateFilePlan parses the configuration file the reload is about to
// load: global's server-state-file (relative to server-state-base when it
// is not absolute, as HAProxy resolves it) and the servers of every backend
// and listen section.
func readStateFilePlan(cfgFile string) (stateFilePlan, error) {
	p, err := parser.New(options.Path(cfgFile), options.UseListenSectionParsers)
	if err != nil {
		return stateFilePlan{}, fmt.Errorf("reading %s: %w", cfgFile, err)
	}
	var plan stateFilePlan
	file := globalString(p, "server-state-file")
	if file == "" {
		return plan, nil
	}
	if base := globalString(p, "server-state-base"); !strings.HasPrefix(file, "/") && base != "" {
		file = filepath.Join(base, file)
	}
	plan.Path = file
	plan.Servers = map[string]plannedServer{}
	for _, kind := range []parser.Section{parser.Backends, parser.Listen} {
		names, err := p.SectionsGet(kind)
		if err != nil {
			continue // no section of this kind
		}
		for _, name := range names {
			data, err := p.Get(kind, name, "server")
			if err != nil {
				continue // a backend without servers
			}
			servers, ok := data.([]types.Server)
			if !ok {
				continue
			}
			for _, s := range servers {
				plan.Servers[name+"/"+s.Name] = plannedServer{Address: s.Address, WeightZero: weightZero(s.Params), Check: hasCheck(s.Params)}
			}
		}
	}
	return plan, nil
}

func weightZero(opts []params.ServerOption) bool {
	for _, o := range opts {
		if v, ok := o.(*params.ServerOptionValue); ok && v.Name == "weight" {
			return v.Value == "0"
		}
	}
	return false
}

func hasCheck(opts []params.ServerOption) bool {
	for _, o := range opts {
		if w, ok := o.(*params.ServerOptionWord); ok && w.Name == "check" {
			return true
		}
	}
	return false
}

func globalString(p parser.Parser, keyword string) string {
	data, err := p.Get(parser.Global, parser.GlobalSectionName, keyword)
	if err != nil {
		return ""
	}
	if s, ok := data.(*types.StringC); ok && s != nil {
		return s.Value
	}
	return ""
}

// filterServersState keeps, of a `show servers state` answer, the version
// line, the column header and the lines of servers that the new
// configuration has at the same address and port (and, for a server that
// is not UP, still checks), with the configured
// weight of drained servers set to the file's 0 (see the top comment). It
// returns the file's content and how many server lines it dropped.
func filterServersState(out string, servers map[string]plannedServer) (string, int, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "1" {
		return "", 0, fmt.Errorf("unexpected `show servers state` answer: %q", firstLineOf(out))
	}
	var b strings.Builder
	b.WriteString("1\n")
	col := map[string]int{}
	dropped := 0
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "#" {
			for i, name := range f[1:] {
				col[name] = i
			}
			b.WriteString(line + "\n")
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(f) {
				return f[i]
			}
			return ""
		}
		srv, ok := servers[get("be_name")+"/"+get("srv_name")]
		if !ok || !sameAddress(srv.Address, get("srv_addr"), get("srv_fqdn"), get("srv_port")) ||
			(!srv.Check && get("srv_op_state") != srvRunning) {
			dropped++
			continue
		}
		if i, ok := col["srv_iweight"]; ok && i < len(f) && srv.WeightZero && drained(get("srv_admin_state")) {
			f[i] = "0"
			line = strings.Join(f, " ")
		}
		b.WriteString(line + "\n")
	}
	if len(col) == 0 {
		return "", 0, fmt.Errorf("`show servers state` answer without a column header: %q", firstLineOf(out))
	}
	return b.String(), dropped, nil
}

// srvRunning is srv_op_state of a server that is UP (SRV_ST_RUNNING).
const srvRunning = "2"

// drained reports whether srv_admin_state has the forced drain flag that
// `set server … state drain` sets.
func drained(admin string) bool {
	v, err := strconv.Atoi(admin)
	return err == nil && v&0x08 != 0
}

// sameAddress reports whether a server line's address (configured:
// "127.0.0.1:8080", "[::1]:80", "ipv4@10.0.0.1:80", "app.internal:80") is
// the one a saved line holds: its IP or host name, and its port (0 when the
// line has none). Anything it cannot compare (port offsets, unix sockets)
// is not the same, which only costs that server its saved state.
func sameAddress(configured, addr, fqdn, port string) bool {
	host, p := configured, "0"
	if family, rest, ok := strings.Cut(host, "@"); ok {
		if family != "ipv4" && family != "ipv6" {
			return false // unix@, abns@, fd@…: no IP to compare
		}
		host = rest
	}
	switch {
	case strings.HasPrefix(host, "["):
		end := strings.Index(host, "]")
		if end < 0 {
			return false
		}
		if rest := host[end+1:]; rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return false
			}
			p = rest[1:]
		}
		host = host[1:end]
	case strings.Contains(host, ":"):
		i := strings.LastIndex(host, ":")
		host, p = host[:i], host[i+1:]
	}
	if _, err := strconv.ParseUint(p, 10, 16); err != nil || p != port {
		return false
	}
	return host != "" && (host == addr || host == fqdn)
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// stateSaver saves the server state before a reload and removes the file
// after it. The zero value does nothing.
type stateSaver struct {
	ConfigFile    string
	RuntimeSocket string
	Logf          func(format string, args ...any)
}

// save writes the running HAProxy's server state to the file the
// configuration on disk names, and returns that path ("" when nothing was
// written). Every failure is logged and swallowed: without the file the
// reload still works, only with the state the file describes.
func (s stateSaver) save(ctx context.Context) string {
	if s.ConfigFile == "" || s.RuntimeSocket == "" {
		return ""
	}
	plan, err := readStateFilePlan(s.ConfigFile)
	if err != nil {
		s.logf("server state not saved: %v", err)
		return ""
	}
	if plan.Path == "" {
		return ""
	}
	out, err := runtime.Client{Socket: s.RuntimeSocket}.Command(ctx, "show servers state", "")
	if errors.Is(err, runtime.ErrNotRunning) {
		return "" // nothing runs, so there is no state to keep
	}
	if err != nil {
		s.logf("server state not saved to %s: %v", plan.Path, err)
		return ""
	}
	content, dropped, err := filterServersState(out, plan.Servers)
	if err != nil {
		s.logf("server state not saved to %s: %v", plan.Path, err)
		return ""
	}
	if err := os.MkdirAll(filepath.Dir(plan.Path), 0o755); err != nil {
		s.logf("server state not saved to %s: %v", plan.Path, err)
		return ""
	}
	if err := atomicfile.WritePerm(plan.Path, []byte(content), atomicfile.New(stateFileMode)); err != nil {
		s.logf("server state not saved to %s: %v", plan.Path, err)
		return ""
	}
	if dropped > 0 {
		s.logf("server state saved to %s; %d server(s) left out (new address or port, or gone)", plan.Path, dropped)
	}
	return plan.Path
}

// remove deletes a state file save wrote, once the new workers loaded it.
func (s stateSaver) remove(path string) {
	if path == "" {
		return
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.logf("server state file %s not removed: %v", path, err)
	}
}

func (s stateSaver) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}
