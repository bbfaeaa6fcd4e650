package haproxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProcList is the master CLI's `show proc`, as far as reload confirmation
// needs it. HAProxy 2.6 prints (columns separated by runs of spaces):
//
//	#<PID>          <type>          <reloads>       <uptime>        <version>
//	1480            master          3 [failed: 1]   0d00h00m18s     2.6.12-1+deb12u4
//	# workers
//	1906            worker          1               0d00h00m09s     2.6.12-1+deb12u4
//	# old workers
//	1819            worker          1               0d00h00m20s     2.6.12-1+deb12u4
//	# programs
//
// A worker's <reloads> column counts reloads it survived, including failed
// ones, so it cannot tell the current generation apart; the section can.
type ProcList struct {
	MasterPID     int
	MasterReloads int // -1 when not printed
	MasterFailed  int // failed reloads since the last good one; -1 when not printed
	Workers       []int
	OldWorkers    []int
}

// ParseShowProc parses `show proc` output. It fails on anything that does
// not start with the header line, such as an "Unknown command" answer.
func ParseShowProc(out string) (ProcList, error) {
	pl := ProcList{MasterReloads: -1, MasterFailed: -1}
	section := ""
	header := false
	for _, raw := range strings.Split(out, "\n") {
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#<PID>"):
			header = true
			continue
		case strings.HasPrefix(line, "#"):
			section = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(line, "#")))
			continue
		}
		if !header {
			return ProcList{}, fmt.Errorf("unexpected show proc output: %q", firstLine(out))
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		pid, err := strconv.Atoi(fields[0])
		if err != nil {
			continue // not a process line; newer versions may add others
		}
		switch {
		case fields[1] == "master":
			pl.MasterPID = pid
			if len(fields) > 2 {
				if n, err := strconv.Atoi(fields[2]); err == nil {
					pl.MasterReloads = n
				}
			}
			if i := strings.Index(line, "[failed:"); i >= 0 {
				rest := strings.TrimSpace(line[i+len("[failed:"):])
				if j := strings.Index(rest, "]"); j >= 0 {
					if n, err := strconv.Atoi(strings.TrimSpace(rest[:j])); err == nil {
						pl.MasterFailed = n
					}
				}
			}
		case fields[1] == "worker" && section == "old workers":
			pl.OldWorkers = append(pl.OldWorkers, pid)
		case fields[1] == "worker":
			pl.Workers = append(pl.Workers, pid)
		}
	}
	if !header {
		return ProcList{}, fmt.Errorf("unexpected show proc output: %q", firstLine(out))
	}
	slices.Sort(pl.Workers)
	slices.Sort(pl.OldWorkers)
	return pl, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// masterCommand sends one command to the master CLI socket and returns the
// answer. The master keeps the connection open after answering until the
// client half-closes, so the write side is shut down after the command.
func masterCommand(ctx context.Context, socket, command string) (string, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return "", fmt.Errorf("connecting to master socket %s: %w", socket, err)
	}
	defer func() { _ = conn.Close() }() // the answer is read; nothing is lost on close
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := io.WriteString(conn, command+"\n"); err != nil {
		return "", fmt.Errorf("writing to master socket %s: %w", socket, err)
	}
	if uc, ok := conn.(*net.UnixConn); ok {
		if err := uc.CloseWrite(); err != nil {
			return "", fmt.Errorf("half-closing master socket %s: %w", socket, err)
		}
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		return "", fmt.Errorf("reading from master socket %s: %w", socket, err)
	}
	return string(b), nil
}

func showProc(ctx context.Context, socket string) (ProcList, error) {
	out, err := masterCommand(ctx, socket, "show proc")
	if err != nil {
		return ProcList{}, err
	}
	return ParseShowProc(out)
}
