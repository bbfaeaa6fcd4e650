// Package runtime talks to a running HAProxy over its admin (stats) socket:
// the runtime API, for changes HAProxy takes without a reload (maps, server
// state, weight and address, servers added and deleted).
//
// It is a small socket client rather than client-native's runtime package:
// the agent needs a few map and server commands, and the client below is the
// whole of what they need (one connection per command, which is what the admin socket
// wants anyway: in non-interactive mode it answers one command and closes).
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// commandTimeout bounds one command, connect to close.
const commandTimeout = 10 * time.Second

// maxPayload keeps one `add map` payload well below HAProxy's default
// tune.bufsize (16 kB), which bounds a command with its payload.
const maxPayload = 8 << 10

// ErrNotLoaded is returned for a map file that the running HAProxy does not
// know: no rule of the loaded configuration references it.
var ErrNotLoaded = errors.New("map not loaded by the running HAProxy")

// ErrNotRunning is returned when nothing listens on the admin socket:
// HAProxy is stopped, so it has no maps loaded either.
var ErrNotRunning = errors.New("HAProxy is not running (nothing listens on its admin socket)")

// Client sends commands to one admin socket.
type Client struct {
	Socket string
}

// Command sends one command line (and, when payload is not "", the payload
// that HAProxy reads after `<<` up to an empty line) and returns the answer.
func (c Client) Command(ctx context.Context, line, payload string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.Socket)
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
		return "", fmt.Errorf("%w: %s: %v", ErrNotRunning, c.Socket, err)
	}
	if err != nil {
		return "", fmt.Errorf("connecting to HAProxy admin socket %s: %w", c.Socket, err)
	}
	defer func() { _ = conn.Close() }() // the answer is read; nothing is lost on close
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	msg := line + "\n"
	if payload != "" {
		msg = line + " <<\n" + payload + "\n"
	}
	if _, err := io.WriteString(conn, msg); err != nil {
		return "", fmt.Errorf("writing to HAProxy admin socket %s: %w", c.Socket, err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		return "", fmt.Errorf("reading from HAProxy admin socket %s: %w", c.Socket, err)
	}
	return string(b), nil
}

// Escape quotes a word for the CLI's tokenizer, which splits on spaces and
// `;` and treats `\` as an escape.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\t', ';', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quiet runs a command whose success is an empty answer; anything HAProxy
// prints is its error message.
func (c Client) quiet(ctx context.Context, line, payload string) error {
	out, err := c.Command(ctx, line, payload)
	if err != nil {
		return err
	}
	if msg := strings.TrimSpace(out); msg != "" {
		return notLoadedOr(fmt.Errorf("HAProxy runtime API: %s: %s", firstWords(line), msg), msg)
	}
	return nil
}

// firstWords names a command in errors without its arguments (which may be
// long or private).
func firstWords(line string) string {
	f := strings.Fields(line)
	if len(f) > 2 {
		f = f[:2]
	}
	return strings.Join(f, " ")
}

func notLoadedOr(err error, answer string) error {
	if strings.HasPrefix(strings.TrimSpace(answer), "Unknown map identifier") {
		return ErrNotLoaded
	}
	return err
}

// Entry is one runtime map entry.
type Entry struct {
	Key, Value string
}

// ShowMap lists a map's entries in the running HAProxy, in its order.
func (c Client) ShowMap(ctx context.Context, file string) ([]Entry, error) {
	out, err := c.Command(ctx, "show map "+Escape(file), "")
	if err != nil {
		return nil, err
	}
	return ParseShowMap(out)
}

// ParseShowMap reads `show map <file>`: one `<ptr> <key> <value>` line per
// entry. Keys have no blanks (the map file format splits on the first one);
// the value is the rest of the line.
func ParseShowMap(out string) ([]Entry, error) {
	entries := []Entry{}
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !strings.HasPrefix(line, "0x") {
			return nil, notLoadedOr(fmt.Errorf("unexpected `show map` answer: %q", strings.TrimSpace(line)), line)
		}
		_, rest, _ := strings.Cut(line, " ")
		key, value, _ := strings.Cut(rest, " ")
		entries = append(entries, Entry{Key: key, Value: value})
	}
	return entries, nil
}

// ReplaceMap atomically replaces a map's entries: a new version is
// prepared, filled and committed, so requests see either the old map or the
// new one, never a mix.
func (c Client) ReplaceMap(ctx context.Context, file string, entries []Entry) error {
	out, err := c.Command(ctx, "prepare map "+Escape(file), "")
	if err != nil {
		return err
	}
	var ver int
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "New version created: %d", &ver); err != nil {
		return notLoadedOr(fmt.Errorf("HAProxy runtime API: prepare map: %s", strings.TrimSpace(out)), out)
	}
	for _, payload := range Payloads(entries, maxPayload) {
		if err := c.quiet(ctx, fmt.Sprintf("add map @%d %s", ver, Escape(file)), payload); err != nil {
			return err
		}
	}
	return c.quiet(ctx, fmt.Sprintf("commit map @%d %s", ver, Escape(file)), "")
}

// Payloads splits entries into `add map` payloads of at most max bytes
// (an entry longer than max gets a payload of its own). In a payload the
// value is the rest of the line, as in a map file, so nothing is escaped.
func Payloads(entries []Entry, max int) []string {
	var out []string
	var b strings.Builder
	for _, e := range entries {
		line := e.Key + " " + e.Value + "\n"
		if b.Len() > 0 && b.Len()+len(line) > max {
			out = append(out, b.String())
			b.Reset()
		}
		b.WriteString(line)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// SetEntry sets key to value in the running map, adding it when absent.
func (c Client) SetEntry(ctx context.Context, file, key, value string) error {
	err := c.quiet(ctx, "set map "+Escape(file)+" "+Escape(key)+" "+Escape(value), "")
	if err != nil && strings.Contains(err.Error(), "entry not found") {
		return c.quiet(ctx, "add map "+Escape(file)+" "+Escape(key)+" "+Escape(value), "")
	}
	return err
}

// DeleteEntry removes key from the running map; an absent key is not an
// error.
func (c Client) DeleteEntry(ctx context.Context, file, key string) error {
	err := c.quiet(ctx, "del map "+Escape(file)+" "+Escape(key), "")
	if err != nil && strings.Contains(err.Error(), "Key not found") {
		return nil
	}
	return err
}

// ServerState is one server's line of `show servers state`, reduced to
// what Switchyard manages: the administrative state and the weight the
// user (or the configuration) set. The operational state (UP, DOWN by
// health check) is deliberately absent: it is not configuration.
type ServerState struct {
	Backend, Server string
	// AdminFlags is srv_admin_state: a bit set (see AdminState).
	AdminFlags int
	// Weight is srv_uweight, the user weight: `set server … state drain`
	// leaves it alone (drain is a flag, not a weight).
	Weight int64
	// Address and Port are srv_addr and srv_port: where the running
	// HAProxy sends the server's connections (port 0: none configured).
	Address string
	Port    int64
}

// HAProxy's srv_admin_state bits (src/server.h, SRV_ADMF_*).
const (
	admForcedMaint   = 0x01 // `set server … state maint`, `disable server`
	admInheritMaint  = 0x02 // tracks a server in maint
	admConfigMaint   = 0x04 // `disabled` in haproxy.cfg: set with admForcedMaint, and left behind by `state ready`
	admForcedDrain   = 0x08 // `set server … state drain`
	admInheritDrain  = 0x10 // tracks a server in drain
	admResolverMaint = 0x20 // DNS resolution failed
	admHostMaint     = 0x40 // hostname not resolved at startup
)

// AdminState names the flags in the runtime API's vocabulary: any maint
// flag wins over drain, as it does in HAProxy. admConfigMaint alone is not
// maint: a server started `disabled` and then set ready keeps that bit
// (checked on 2.6.12: admin state 4, serving), which is why HAProxy's own
// maint mask leaves it out.
func (s ServerState) AdminState() string {
	switch {
	case s.AdminFlags&(admForcedMaint|admInheritMaint|admResolverMaint|admHostMaint) != 0:
		return "maint"
	case s.AdminFlags&(admForcedDrain|admInheritDrain) != 0:
		return "drain"
	}
	return "ready"
}

// ErrNoBackend is returned for a backend the running HAProxy does not have.
var ErrNoBackend = errors.New("backend not loaded by the running HAProxy")

// ShowServersState lists the servers of one backend ("": of all backends)
// as the running HAProxy has them.
func (c Client) ShowServersState(ctx context.Context, backend string) ([]ServerState, error) {
	line := "show servers state"
	if backend != "" {
		line += " " + Escape(backend)
	}
	out, err := c.Command(ctx, line, "")
	if err != nil {
		return nil, err
	}
	return ParseServersState(out)
}

// ParseServersState reads `show servers state` (format version 1): a
// version line, a `#` header naming the columns, then one line per server.
// Columns are found by name, so a later HAProxy adding columns still reads.
func ParseServersState(out string) ([]ServerState, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "1" {
		msg := strings.TrimSpace(out)
		if strings.Contains(msg, "Can't find backend") {
			return nil, ErrNoBackend
		}
		return nil, fmt.Errorf("unexpected `show servers state` answer: %q", firstLine(msg))
	}
	col := map[string]int{}
	states := []ServerState{}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "#" {
			for i, name := range f[1:] {
				col[name] = i
			}
			continue
		}
		get := func(name string) (string, error) {
			i, ok := col[name]
			if !ok || i >= len(f) {
				return "", fmt.Errorf("`show servers state`: no %s column in %q", name, line)
			}
			return f[i], nil
		}
		var s ServerState
		var err error
		if s.Backend, err = get("be_name"); err != nil {
			return nil, err
		}
		if s.Server, err = get("srv_name"); err != nil {
			return nil, err
		}
		adm, err := get("srv_admin_state")
		if err != nil {
			return nil, err
		}
		if s.AdminFlags, err = strconv.Atoi(adm); err != nil {
			return nil, fmt.Errorf("`show servers state`: srv_admin_state %q: %w", adm, err)
		}
		w, err := get("srv_uweight")
		if err != nil {
			return nil, err
		}
		if s.Weight, err = strconv.ParseInt(w, 10, 64); err != nil {
			return nil, fmt.Errorf("`show servers state`: srv_uweight %q: %w", w, err)
		}
		if s.Address, err = get("srv_addr"); err != nil {
			return nil, err
		}
		port, err := get("srv_port")
		if err != nil {
			return nil, err
		}
		if s.Port, err = strconv.ParseInt(port, 10, 64); err != nil {
			return nil, fmt.Errorf("`show servers state`: srv_port %q: %w", port, err)
		}
		states = append(states, s)
	}
	return states, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// SetServerState sets a server's administrative state (ready, drain or
// maint) in the running HAProxy.
func (c Client) SetServerState(ctx context.Context, backend, server, state string) error {
	return c.quiet(ctx, "set server "+Escape(backend)+"/"+Escape(server)+" state "+Escape(state), "")
}

// SetServerWeight sets a server's user weight in the running HAProxy.
func (c Client) SetServerWeight(ctx context.Context, backend, server string, weight int64) error {
	return c.quiet(ctx, fmt.Sprintf("set server %s/%s weight %d", Escape(backend), Escape(server), weight), "")
}

// answered runs a command whose success HAProxy confirms with a message
// that contains one of ok; any other answer is its error message.
func (c Client) answered(ctx context.Context, line string, ok ...string) error {
	out, err := c.Command(ctx, line, "")
	if err != nil {
		return err
	}
	for _, want := range ok {
		if strings.Contains(out, want) {
			return nil
		}
	}
	return fmt.Errorf("HAProxy runtime API: %s: %s", firstWords(line), strings.TrimSpace(out))
}

// SetServerAddrLine is the command that points a server at address and
// port (0: leave the port alone).
func SetServerAddrLine(backend, server, address string, port int64) string {
	line := "set server " + Escape(backend) + "/" + Escape(server) + " addr " + Escape(address)
	if port != 0 {
		line += fmt.Sprintf(" port %d", port)
	}
	return line
}

// SetServerAddr points a running server at another address and port.
// HAProxy 2.6 answers even a success with a message ("IP changed from …",
// "no need to change the addr, port changed from …").
func (c Client) SetServerAddr(ctx context.Context, backend, server, address string, port int64) error {
	return c.answered(ctx, SetServerAddrLine(backend, server, address, port), "changed from", "no need to change")
}

// AddServerLine is the `add server` command for a server with the given
// `server` line keywords after the address (as in haproxy.cfg).
func AddServerLine(backend, server, address string, keywords []string) string {
	words := append([]string{"add server " + Escape(backend) + "/" + Escape(server), Escape(address)}, keywords...)
	return strings.Join(words, " ")
}

// AddServer adds a server to a running backend. HAProxy starts it in
// maintenance with its health checks off, whatever the keywords say: the
// caller sets its state (and `enable health`) afterwards.
func (c Client) AddServer(ctx context.Context, backend, server, address string, keywords []string) error {
	return c.answered(ctx, AddServerLine(backend, server, address, keywords), "New server registered")
}

// EnableHealth starts the health checks of a server added at runtime.
func (c Client) EnableHealth(ctx context.Context, backend, server string) error {
	return c.quiet(ctx, "enable health "+Escape(backend)+"/"+Escape(server), "")
}

// ShutdownSessions cuts every session of a server.
func (c Client) ShutdownSessions(ctx context.Context, backend, server string) error {
	return c.quiet(ctx, "shutdown sessions server "+Escape(backend)+"/"+Escape(server), "")
}

// ErrServerBusy is returned by DeleteServer while the server still has
// connections (active, idle or queued).
var ErrServerBusy = errors.New("server still has connections")

// DeleteServer removes a server, which must be in maintenance, from a
// running backend.
func (c Client) DeleteServer(ctx context.Context, backend, server string) error {
	err := c.answered(ctx, "del server "+Escape(backend)+"/"+Escape(server), "Server deleted")
	if err != nil && strings.Contains(err.Error(), "still has connections") {
		return fmt.Errorf("%w: %v", ErrServerBusy, err)
	}
	return err
}

// Sessions returns the current sessions (`show stat` scur) of a backend's
// servers, by server name.
func (c Client) Sessions(ctx context.Context, backend string) (map[string]int64, error) {
	out, err := c.Command(ctx, "show stat "+Escape(backend)+" 4 -1", "")
	if err != nil {
		return nil, err
	}
	return ParseSessions(out, backend)
}

// ParseSessions reads the scur column of `show stat` CSV for backend's
// server rows (not its BACKEND row). Columns are found by name.
func ParseSessions(out, backend string) (map[string]int64, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "# ") {
		return nil, fmt.Errorf("unexpected `show stat` answer: %q", firstLine(strings.TrimSpace(out)))
	}
	header := strings.Split(strings.TrimPrefix(lines[0], "# "), ",")
	col := func(name string) int { return slices.Index(header, name) }
	px, sv, scur := col("pxname"), col("svname"), col("scur")
	if px < 0 || sv < 0 || scur < 0 {
		return nil, fmt.Errorf("`show stat`: no pxname, svname or scur column in %q", lines[0])
	}
	sessions := map[string]int64{}
	for _, line := range lines[1:] {
		f := strings.Split(line, ",")
		if len(f) <= max(px, sv, scur) || f[px] != backend || f[sv] == "BACKEND" || f[sv] == "FRONTEND" {
			continue
		}
		n, err := strconv.ParseInt(f[scur], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("`show stat`: scur %q of %s/%s: %w", f[scur], backend, f[sv], err)
		}
		sessions[f[sv]] = n
	}
	return sessions, nil
}
