// Package agentbin carries the agent binaries inside the provider, one per
// machine architecture, so that nothing has to be installed on a machine
// beforehand: the provider uploads the one that matches.
package agentbin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"
)

// The files below are built by `make agent` (CGO off, static, stripped).
// A "pattern dist/…: no matching files found" compile error here means they
// were not built: run `make agent` (or `make build`, which runs it first).
//
//go:embed dist/switchyard-agent_linux_amd64 dist/switchyard-agent_linux_arm64
var dist embed.FS

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
func For(arch string) (Binary, error) {
	data, err := dist.ReadFile("dist/switchyard-agent_linux_" + arch)
	if err != nil {
		return Binary{}, fmt.Errorf("no embedded agent for linux/%s: %w", arch, err)
	}
	sum := sha256.Sum256(data)
	return Binary{Arch: arch, Data: data, SHA256: hex.EncodeToString(sum[:])}, nil
}
