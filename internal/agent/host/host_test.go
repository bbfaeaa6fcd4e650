package host

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestParseHAProxyVersion(t *testing.T) {
	tests := map[string]string{
		"HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/\nStatus: long-term supported branch\n": "2.6.12-1+deb12u4",
		"HA-Proxy version 1.8.19-1+deb10u3 2020/08/01\n":                                                           "1.8.19-1+deb10u3",
		"":               "",
		"something else": "",
	}
	for in, want := range tests {
		if got := ParseHAProxyVersion(in); got != want {
			t.Errorf("ParseHAProxyVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrettyName(t *testing.T) {
	p := filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(p, []byte("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := prettyName(p), "Debian GNU/Linux 12 (bookworm)"; got != want {
		t.Errorf("prettyName = %q, want %q", got, want)
	}
}

func TestInfo(t *testing.T) {
	info := Info(t.Context(), "/usr/sbin/haproxy")
	if info.Arch != runtime.GOARCH || info.Kernel == "" || info.Hostname == "" {
		t.Errorf("Info() = %+v", info)
	}
	t.Logf("%+v", info)
}
