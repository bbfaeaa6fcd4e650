// Package agentbin carries the agent binaries inside the provider, one per
// machine architecture, so that nothing has to be installed on a machine
// beforehand: the provider uploads the one that matches.
package agentbin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// dist holds what `make agent` built (CGO off, static, stripped) next to a
// committed README. Embedding the directory rather than the two files keeps
// `go build ./...`, `go vet ./...` and gopls working in a fresh clone; such
// a build only fails when it needs an agent, with ErrNoAgents. Every make
// target and the release build the agents first.
//
//go:embed dist
var dist embed.FS

// ErrNoAgents is why For fails in a build made without `make agent`.
var ErrNoAgents = errors.New("this provider was built without its agents: run `make build` (or `make agent` before `go build`/`go test`)")

// Binary is one embedded agent.
type Binary struct {
	Arch   string // Go arch name: amd64, arm64
	Data   []byte
	SHA256 string // hex
}

// ArchFromUname maps `uname -m` output to a Go arch name.
func ArchFromUname(machine string) (string, error) {
	switch strings.TrimSpace(machine) {
	case "x86_64", "amd64":
		return "amd64", nil
	case "aarch64", "arm64":
		return "arm64", nil
	default:
		return "", fmt.Errorf("machine architecture %q is not supported: Switchyard ships agents for x86_64 and aarch64 only", strings.TrimSpace(machine))
	}
}

// For returns the embedded agent for a Go arch name.
func For(arch string) (Binary, error) { return forArch(dist, arch) }

func forArch(fsys fs.FS, arch string) (Binary, error) {
	data, err := fs.ReadFile(fsys, "dist/switchyard-agent_linux_"+arch)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Binary{}, fmt.Errorf("no embedded agent for linux/%s: %w", arch, ErrNoAgents)
	case err != nil:
		return Binary{}, fmt.Errorf("no embedded agent for linux/%s: %w", arch, err)
	case len(data) == 0:
		// A build interrupted while writing the file must not ship an
		// agent that the machine would fail to run.
		return Binary{}, fmt.Errorf("embedded agent for linux/%s is empty: %w", arch, ErrNoAgents)
	}
	sum := sha256.Sum256(data)
	return Binary{Arch: arch, Data: data, SHA256: hex.EncodeToString(sum[:])}, nil
}
