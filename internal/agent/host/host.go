// Package host describes the machine the agent runs on.
package host

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Info returns what the machine itself can tell: hostname, OS, kernel,
// architecture and the HAProxy version of binary ("" when binary is "" or
// does not run).
// Agent version, protocol and counters are the caller's to fill in.
func Info(ctx context.Context, haproxyBinary string) api.HostInfo {
	hostname, _ := os.Hostname()
	return api.HostInfo{
		Hostname:       hostname,
		OS:             prettyName("/etc/os-release"),
		Kernel:         kernel(),
		Arch:           runtime.GOARCH,
		HAProxyVersion: HAProxyVersion(ctx, haproxyBinary),
	}
}

// prettyName reads PRETTY_NAME from an os-release file.
func prettyName(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(s.Text()), "=")
		if !ok || k != "PRETTY_NAME" {
			continue
		}
		if u, err := strconv.Unquote(v); err == nil {
			return u
		}
		return strings.Trim(v, `"'`)
	}
	return ""
}

func kernel() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return ""
	}
	var b strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

// HAProxyVersion runs `binary -v` and returns the version of its first line
// ("HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/").
func HAProxyVersion(ctx context.Context, binary string) string {
	if binary == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "-v").Output()
	if err != nil {
		return ""
	}
	return ParseHAProxyVersion(string(out))
}

// ParseHAProxyVersion extracts the version from `haproxy -v` output.
func ParseHAProxyVersion(out string) string {
	first, _, _ := strings.Cut(out, "\n")
	fields := strings.Fields(first)
	for i := 0; i+1 < len(fields); i++ {
		if strings.EqualFold(fields[i], "version") {
			return fields[i+1]
		}
	}
	return ""
}
