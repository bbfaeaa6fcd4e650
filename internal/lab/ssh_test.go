package lab

import (
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestShellJoinRoundTrip(t *testing.T) {
	args := []string{"printf", "%s\n", "plain", "two words", "it's", `back\slash`, "$HOME", "`id`", "a;b|c&d", "", "*", "~", "FOO=bar", "new\nline"}
	// sh -c 'for a; do …' prints each argument as the remote shell sees it.
	out, err := exec.Command("sh", "-c", shellJoin(args)).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(args[2:], "\n") + "\n"
	if string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestShellQuoteLeavesPlainWordsReadable(t *testing.T) {
	for in, want := range map[string]string{
		"systemctl": "systemctl", "/etc/haproxy/haproxy.cfg": "/etc/haproxy/haproxy.cfg",
		"lab-app@8080": "lab-app@8080", "a b": "'a b'", "": "''", "FOO=bar": "'FOO=bar'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestNewEd25519Key(t *testing.T) {
	priv, pub, err := newEd25519Key("test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(priv), "-----BEGIN OPENSSH PRIVATE KEY-----") {
		t.Errorf("private key not in OpenSSH format: %.40s", priv)
	}
	signer, err := ssh.ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := authorizedKey(signer.PublicKey()), authorizedKey(pub); got != want || !strings.HasPrefix(got, "ssh-ed25519 AAAA") {
		t.Errorf("public keys %q and %q", got, want)
	}
}
