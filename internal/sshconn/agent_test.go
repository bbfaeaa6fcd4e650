package sshconn

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent"
	"github.com/switchyard/terraform-provider-switchyard/internal/agentbin"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

const testID = "dev-0123456789abcdef"

// The exact strings sent to machines. They are spelled out so that a change
// is a conscious one: they must stay free of anything from the config.
func TestRemoteCommands(t *testing.T) {
	bin := agentbin.Binary{Arch: "amd64", SHA256: strings.Repeat("ab", 32)}
	const script = `set -e; umask 022; d=/var/lib/switchyard/agent/dev-0123456789abcdef; t=$d/.upload-$$; mkdir -p $d; ` +
		`trap "rm -f $t" EXIT; cat > $t; s=$(sha256sum $t); echo "$s"; ` +
		`if [ "${s%% *}" != abababababababababababababababababababababababababababababababab ]; then echo "sha256 of the uploaded agent does not match" >&2; exit 1; fi; ` +
		`chmod 755 $t; mv -f $t $d/switchyard-agent`
	tests := []struct{ name, got, want string }{
		{"serve", serveCommand(testID, false), "/var/lib/switchyard/agent/dev-0123456789abcdef/switchyard-agent serve"},
		{"serve sudo", serveCommand(testID, true), "sudo -n /var/lib/switchyard/agent/dev-0123456789abcdef/switchyard-agent serve"},
		{"upload", uploadCommand(testID, bin, false), "sh -c '" + script + "'"},
		{"upload sudo", uploadCommand(testID, bin, true), "sudo -n sh -c '" + script + "'"},
		{"probe", probeCommand, "uname -m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

func TestBuildID(t *testing.T) {
	id, err := buildID()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "dev-") || len(id) != len("dev-")+16 || !isHex(id[4:]) {
		t.Errorf("buildID() = %q, want dev-<16 hex>", id)
	}
}

// The agent prunes old builds in the directory the provider uploads to.
func TestAgentRootMatchesAgent(t *testing.T) {
	if remoteAgentRoot != agent.BuildRoot {
		t.Errorf("sshconn uploads to %s, the agent prunes %s", remoteAgentRoot, agent.BuildRoot)
	}
}

// A provider built without `make agent` must say so at the first
// connection, with agentbin's message, not fail somewhere later.
func TestBuildIDWithoutAgents(t *testing.T) {
	defer func(f func(string) (agentbin.Binary, error)) { agentFor = f }(agentFor)
	agentFor = func(arch string) (agentbin.Binary, error) {
		return agentbin.Binary{}, fmt.Errorf("no embedded agent for linux/%s: %w", arch, agentbin.ErrNoAgents)
	}
	if id, err := buildID(); !errors.Is(err, agentbin.ErrNoAgents) {
		t.Errorf("buildID() = %q, %v; want ErrNoAgents", id, err)
	}
}

// Runs the upload script with the local sh, in a temporary directory, to
// check what the goldens cannot: that it is valid shell and does the job.
func TestUploadScriptRunsInSh(t *testing.T) {
	for _, tool := range []string{"sh", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not available", tool)
		}
	}
	data := []byte("#!/bin/sh\necho fake agent\n")
	sum := sha256.Sum256(data)
	good := agentbin.Binary{Arch: "amd64", Data: data, SHA256: hex.EncodeToString(sum[:])}
	bad := good
	bad.SHA256 = strings.Repeat("0", 64)

	tests := []struct {
		name     string
		bin      agentbin.Binary
		wantErr  bool
		wantFile bool
	}{
		{"hash matches", good, false, true},
		{"hash differs", bad, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			cmdline := strings.ReplaceAll(uploadCommand(testID, tt.bin, false), remoteAgentRoot, root)
			cmd := exec.Command("/bin/sh", "-c", cmdline)
			cmd.Stdin = bytes.NewReader(data)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v; stderr: %s", err, tt.wantErr, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), good.SHA256+"  ") {
				t.Errorf("stdout = %q, want a sha256sum line", stdout.String())
			}
			dir := filepath.Join(root, testID)
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			want := []string(nil)
			if tt.wantFile {
				want = []string{remoteAgentName}
			}
			// No temporary file is left behind either way.
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("files in %s (-want +got):\n%s", dir, diff)
			}
			if tt.wantFile {
				fi, err := os.Stat(filepath.Join(dir, remoteAgentName))
				if err != nil || fi.Mode().Perm() != 0o755 {
					t.Errorf("agent file: %v, mode %v; want 0755", err, fi.Mode())
				}
			}
		})
	}
}

func TestReadHandshake(t *testing.T) {
	hs := api.Handshake{Protocol: api.ProtocolVersion, Version: "dev"}.String()
	tests := []struct {
		name      string
		in        string
		want      api.Handshake
		wantErr   string
		wantNoise []string
		rest      string // what must still be readable after the handshake
	}{
		{name: "direct", in: hs + "\n{\"id\":1}\n", want: api.Handshake{Protocol: api.ProtocolVersion, Version: "dev"}, rest: "{\"id\":1}\n"},
		{name: "after shell noise", in: "motd\r\nlast login\n" + hs + "\n", want: api.Handshake{Protocol: api.ProtocolVersion, Version: "dev"},
			wantNoise: []string{"motd", "last login"}},
		{name: "eof", in: "bash: switchyard-agent: command not found\n", wantErr: errNoHandshake.Error(),
			wantNoise: []string{"bash: switchyard-agent: command not found"}},
		{name: "malformed", in: api.HandshakeMagic + " one\n", wantErr: "malformed agent handshake"},
		{name: "too many lines", in: strings.Repeat("noise\n", handshakeMaxLines+1) + hs + "\n", wantErr: "no agent handshake within the first 100 lines",
			wantNoise: []string{"noise", "noise", "noise", "noise", "noise"}},
		{name: "too many bytes", in: strings.Repeat("x", handshakeMaxBytes+10) + "\n" + hs + "\n", wantErr: "more than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tt.in), handshakeMaxBytes)
			got, noise, err := readHandshake(r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("handshake (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantNoise, noise); diff != "" {
				t.Errorf("noise (-want +got):\n%s", diff)
			}
			if tt.rest != "" {
				rest, _ := r.ReadString('\n')
				if rest != tt.rest {
					t.Errorf("after handshake read %q, want %q", rest, tt.rest)
				}
			}
		})
	}
}

func TestRingBuffer(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"fits", []string{"ab", "cd"}, "abcd"},
		{"drops the beginning", []string{"abc", "def", "gh"}, "[…earlier output dropped…]\ndefgh"},
		{"one big write", []string{"0123456789"}, "[…earlier output dropped…]\n56789"},
		{"exactly full", []string{"01234"}, "01234"},
		{"trailing newline trimmed", []string{"ab\n"}, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRingBuffer(5)
			for _, w := range tt.writes {
				if n, err := r.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := r.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUploadHint(t *testing.T) {
	tests := []struct {
		name, stderr string
		sudo         bool
		want         string
	}{
		{"not root", "mkdir: cannot create directory '/var/lib/switchyard': Permission denied", false,
			"\n(user \"deploy\" cannot write to /var/lib/switchyard/agent: log in as root, or set sudo = true)"},
		{"no sudo binary", "bash: line 1: sudo: command not found", true,
			"\n(sudo = true, but sudo is not installed on the machine)"},
		{"sudo wants a password", "sudo: a password is required", true,
			"\n(sudo = true needs passwordless sudo for user \"deploy\")"},
		{"other", "No space left on device", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uploadHint(tt.stderr, tt.sudo, "deploy"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
