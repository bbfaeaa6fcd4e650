package sshconn

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeySpec is how one endpoint's host key is verified: exactly one of the
// three is set once defaults are applied.
type hostKeySpec struct {
	pinned     string // authorized_keys format
	pinnedAttr string // attribute that held it, for messages
	knownHosts string // known_hosts file path
	insecure   bool
}

// verifier returns the callback that checks the key the server presents at
// addr, and the host key algorithms to ask for.
//
// The algorithms matter: a server usually has several host keys (ed25519,
// ecdsa, rsa) and the client's default preference may pick one that is not
// the pinned or known one, which would look exactly like a mismatch. Asking
// only for the types we can verify avoids that false alarm.
func (s hostKeySpec) verifier(addr string) (ssh.HostKeyCallback, []string, error) {
	switch {
	case s.insecure:
		return ssh.InsecureIgnoreHostKey(), nil, nil
	case s.pinned != "":
		want, err := parseHostKey(s.pinned)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", s.pinnedAttr, err)
		}
		cb := func(_ string, _ net.Addr, got ssh.PublicKey) error {
			if keysEqual(want, got) {
				return nil
			}
			return newHostKeyError(addr, s.pinnedAttr, got, []string{ssh.FingerprintSHA256(want)})
		}
		return cb, algorithmsFor(want), nil
	case s.knownHosts != "":
		return knownHostsVerifier(s.knownHosts, addr)
	default:
		// SetDefaults always fills one in; reaching here is a bug, and
		// failing closed is the only safe answer.
		return nil, nil, errors.New("no host key verification configured")
	}
}

func knownHostsVerifier(file, addr string) (ssh.HostKeyCallback, []string, error) {
	if _, err := os.Stat(file); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("known_hosts file %s does not exist: create it with the machine's key, set %s to pin the key, or set %s",
				file, AttrHostKey, AttrInsecureIgnoreHostKey)
		}
		return nil, nil, fmt.Errorf("known_hosts file %s: %w", file, err)
	}
	check, err := knownhosts.New(file)
	if err != nil {
		return nil, nil, fmt.Errorf("reading known_hosts file %s: %w", file, err)
	}
	source := "known_hosts file " + file
	cb := func(hostname string, remote net.Addr, got ssh.PublicKey) error {
		err := check(hostname, remote, got)
		var keyErr *knownhosts.KeyError
		var revErr *knownhosts.RevokedError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &keyErr):
			want := make([]string, 0, len(keyErr.Want))
			for _, k := range keyErr.Want {
				want = append(want, ssh.FingerprintSHA256(k.Key))
			}
			return newHostKeyError(addr, source, got, want)
		case errors.As(err, &revErr):
			e := newHostKeyError(addr, source, got, nil)
			e.Revoked = true
			return e
		default:
			return fmt.Errorf("checking %s against %s: %w", addr, source, err)
		}
	}

	// knownhosts has no lookup API, but a check with a key that cannot be
	// in the file answers with every key the file holds for this host.
	var algos []string
	var keyErr *knownhosts.KeyError
	if err := check(addr, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}, probeKey); errors.As(err, &keyErr) {
		seen := map[string]bool{}
		for _, k := range keyErr.Want {
			for _, a := range algorithmsFor(k.Key) {
				if !seen[a] {
					seen[a] = true
					algos = append(algos, a)
				}
			}
		}
	}
	// No entry: leave the defaults, so the server's key reaches the callback
	// and the error says "unknown host" with its fingerprint.
	return cb, algos, nil
}

// probeKey is a fixed, well-known key used only to query known_hosts.
var probeKey = func() ssh.PublicKey {
	k, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public())
	if err != nil {
		panic(err)
	}
	return k
}()

// algorithmsFor lists the host key algorithms that make a server present
// key: RSA keys sign with several hash functions.
func algorithmsFor(key ssh.PublicKey) []string {
	if key.Type() == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{key.Type()}
}

func keysEqual(a, b ssh.PublicKey) bool {
	return string(a.Marshal()) == string(b.Marshal())
}

func newHostKeyError(addr, source string, got ssh.PublicKey, want []string) *HostKeyError {
	return &HostKeyError{
		Host:    addr,
		Source:  source,
		Want:    want,
		Got:     ssh.FingerprintSHA256(got),
		KeyType: got.Type(),
	}
}
