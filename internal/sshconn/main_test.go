package sshconn

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/switchyard/terraform-provider-switchyard/internal/agentbin"
)

// The fake SSH server only stores what is uploaded, so small stand-ins do
// instead of the real agents: the tests then run in a clone where
// `make agent` has not run, and they do not depend on what it built.
func TestMain(m *testing.M) {
	agentFor = fakeAgent
	os.Exit(m.Run())
}

func fakeAgent(arch string) (agentbin.Binary, error) {
	switch arch {
	case "amd64", "arm64":
	default:
		return agentbin.Binary{}, fmt.Errorf("no fake agent for %s", arch)
	}
	data := []byte("fake switchyard agent for linux/" + arch + "\n")
	sum := sha256.Sum256(data)
	return agentbin.Binary{Arch: arch, Data: data, SHA256: hex.EncodeToString(sum[:])}, nil
}
