package agentbin

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestForWithoutAgents(t *testing.T) {
	fsys := fstest.MapFS{"dist/README.md": {Data: []byte("placeholder")}}
	_, err := forArch(fsys, "amd64")
	if !errors.Is(err, ErrNoAgents) {
		t.Fatalf("err = %v, want ErrNoAgents", err)
	}
	// The message is what a user of a plain `go build` sees: it must say
	// what is missing and which command fixes it.
	for _, want := range []string{"linux/amd64", "built without its agents", "make build"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestForEmptyAgent(t *testing.T) {
	fsys := fstest.MapFS{"dist/switchyard-agent_linux_arm64": {Data: nil}}
	if _, err := forArch(fsys, "arm64"); !errors.Is(err, ErrNoAgents) {
		t.Fatalf("err = %v, want ErrNoAgents", err)
	}
}

func TestForAgent(t *testing.T) {
	fsys := fstest.MapFS{"dist/switchyard-agent_linux_amd64": {Data: []byte("abc")}}
	bin, err := forArch(fsys, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	// sha256("abc"), a published test vector.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if bin.Arch != "amd64" || string(bin.Data) != "abc" || bin.SHA256 != want {
		t.Errorf("got %+v", bin)
	}
	if _, err := forArch(fsys, "arm64"); !errors.Is(err, ErrNoAgents) {
		t.Errorf("arm64: err = %v, want ErrNoAgents", err)
	}
}

func TestArchFromUname(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "x86_64\n", want: "amd64"},
		{in: "aarch64", want: "arm64"},
		{in: "arm64", want: "arm64"},
		{in: "armv7l", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ArchFromUname(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ArchFromUname(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
