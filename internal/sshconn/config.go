// Package sshconn connects the provider to one machine: it dials SSH
// (optionally through a bastion), verifies the host key, makes sure the
// matching agent binary is on the machine, starts it, and hands back one
// shared agent session that every resource of that machine uses.
package sshconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Config is everything needed to reach one machine. It comes from the
// provider block and never goes into Terraform state.
type Config struct {
	Host string
	Port int    // default 22
	User string // default "root"

	// Authentication: any of these that are set are offered, in this order.
	PrivateKey     string // PEM/OpenSSH private key contents
	PrivateKeyFile string // path to a private key file
	UseAgent       bool   // use the ssh-agent at $SSH_AUTH_SOCK

	// Host key verification: exactly one of HostKey, KnownHostsFile, or
	// InsecureIgnoreHostKey. Default when none is set: ~/.ssh/known_hosts.
	HostKey               string // pinned, authorized_keys format ("ssh-ed25519 AAAA…")
	KnownHostsFile        string
	InsecureIgnoreHostKey bool

	Bastion *BastionConfig // nil: connect directly

	Sudo    bool          // run the agent with `sudo -n` (non-root user)
	Timeout time.Duration // dial + handshake timeout per attempt; default 30s
}

// BastionConfig is a jump host. Empty fields fall back to the main Config's
// values (user, keys, agent) except Host, which is required, and the host
// key, which must be given for the bastion itself (HostKey or KnownHostsFile
// or the main config's known_hosts file).
//
// Concretely, the bastion's host key is checked against, in this order:
// BastionConfig.HostKey; the main KnownHostsFile (explicit or defaulted);
// nothing when the main config opts out with InsecureIgnoreHostKey; and
// ~/.ssh/known_hosts when the main config pins HostKey (a key pinned for the
// target says nothing about the bastion).
type BastionConfig struct {
	Host           string
	Port           int
	User           string
	PrivateKey     string
	PrivateKeyFile string
	HostKey        string
}

// Provider attribute names, used in error messages so that a person can find
// the line of HCL to fix. The provider schema must use the same names.
const (
	AttrHost                  = "host"
	AttrPort                  = "port"
	AttrUser                  = "user"
	AttrPrivateKey            = "private_key"
	AttrPrivateKeyFile        = "private_key_file"
	AttrUseAgent              = "agent"
	AttrHostKey               = "host_key"
	AttrKnownHostsFile        = "known_hosts_file"
	AttrInsecureIgnoreHostKey = "insecure_ignore_host_key"
	AttrBastionHost           = "bastion.host"
	AttrBastionPort           = "bastion.port"
	AttrBastionHostKey        = "bastion.host_key"
	AttrTimeout               = "timeout"
)

// Defaults applied by SetDefaults.
const (
	DefaultPort    = 22
	DefaultUser    = "root"
	DefaultTimeout = 30 * time.Second
)

// SetDefaults fills in what the provider block left out. It is idempotent.
func (c *Config) SetDefaults() {
	c.Host = trimHost(c.Host)
	if c.Port == 0 {
		c.Port = DefaultPort
	}
	if c.User == "" {
		c.User = DefaultUser
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	c.PrivateKeyFile = expandHome(c.PrivateKeyFile)
	c.KnownHostsFile = expandHome(c.KnownHostsFile)
	// Verifying by default is the point: a user who wants no verification
	// has to say so with insecure_ignore_host_key.
	if c.HostKey == "" && c.KnownHostsFile == "" && !c.InsecureIgnoreHostKey {
		c.KnownHostsFile = defaultKnownHostsFile()
	}
	if b := c.Bastion; b != nil {
		b.Host = trimHost(b.Host)
		if b.Port == 0 {
			b.Port = DefaultPort
		}
		if b.User == "" {
			b.User = c.User
		}
		// Keys fall back as a pair: a bastion that names its own key file
		// should not silently also get the target's inline key.
		if b.PrivateKey == "" && b.PrivateKeyFile == "" {
			b.PrivateKey = c.PrivateKey
			b.PrivateKeyFile = c.PrivateKeyFile
		}
		b.PrivateKeyFile = expandHome(b.PrivateKeyFile)
	}
}

// Validate reports the first configuration mistake, naming the provider
// attribute to fix. Call it after SetDefaults.
func (c *Config) Validate() error {
	if c.Host == "" {
		return fmt.Errorf("%s is required: the address or name of the machine to manage", AttrHost)
	}
	if err := checkHost(AttrHost, c.Host); err != nil {
		return err
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("%s must be between 1 and 65535, got %d", AttrPort, c.Port)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%s must not be negative, got %s", AttrTimeout, c.Timeout)
	}

	hostKeyOptions := 0
	for _, set := range []bool{c.HostKey != "", c.KnownHostsFile != "", c.InsecureIgnoreHostKey} {
		if set {
			hostKeyOptions++
		}
	}
	if hostKeyOptions > 1 {
		return fmt.Errorf("only one of %s, %s and %s may be set", AttrHostKey, AttrKnownHostsFile, AttrInsecureIgnoreHostKey)
	}
	if c.HostKey != "" {
		if _, err := parseHostKey(c.HostKey); err != nil {
			return fmt.Errorf("%s: %w", AttrHostKey, err)
		}
	}

	if c.PrivateKey == "" && c.PrivateKeyFile == "" && !c.UseAgent {
		return fmt.Errorf("no SSH authentication method: set %s, %s or %s", AttrPrivateKey, AttrPrivateKeyFile, AttrUseAgent)
	}

	if b := c.Bastion; b != nil {
		if b.Host == "" {
			return fmt.Errorf("%s is required when a bastion is configured", AttrBastionHost)
		}
		if err := checkHost(AttrBastionHost, b.Host); err != nil {
			return err
		}
		if b.Port < 1 || b.Port > 65535 {
			return fmt.Errorf("%s must be between 1 and 65535, got %d", AttrBastionPort, b.Port)
		}
		if b.HostKey != "" {
			if _, err := parseHostKey(b.HostKey); err != nil {
				return fmt.Errorf("%s: %w", AttrBastionHostKey, err)
			}
		}
	}
	return nil
}

// checkHost catches the usual ways of putting too much into host: the user
// and the port have attributes of their own.
func checkHost(attr, host string) error {
	if strings.ContainsAny(host, " \t\r\n") {
		return fmt.Errorf("%s %q must not contain spaces", attr, host)
	}
	if strings.Contains(host, "@") {
		return fmt.Errorf("%s %q must be a host name or address only: set the user with the user attribute", attr, host)
	}
	if _, _, err := net.SplitHostPort(host); err == nil {
		return fmt.Errorf("%s %q must be a host name or address only: set the port with the port attribute", attr, host)
	}
	return nil
}

// trimHost accepts an IPv6 address written with brackets, as people copy it
// from URLs; net.JoinHostPort adds them back.
func trimHost(h string) string {
	h = strings.TrimSpace(h)
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	return h
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

func defaultKnownHostsFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		// Validate cannot tell "no home" from "not set", so keep a path
		// that fails later with a message that says which file is missing.
		return filepath.Join("~", ".ssh", "known_hosts")
	}
	return filepath.Join(home, ".ssh", "known_hosts")
}

// parseHostKey reads a pinned key: "type base64 [comment]", as in a line of
// ssh-keyscan output without the host or /etc/ssh/ssh_host_*_key.pub.
func parseHostKey(s string) (ssh.PublicKey, error) {
	key, _, options, rest, err := ssh.ParseAuthorizedKey([]byte(s))
	if err == nil && len(options) == 0 {
		if len(strings.TrimSpace(string(rest))) > 0 {
			return nil, errors.New("holds more than one key: pin exactly one")
		}
		return key, nil
	}
	// ParseAuthorizedKey reads "host key" as options followed by a key;
	// say what the value really is.
	if _, hosts, _, _, _, kerr := ssh.ParseKnownHosts([]byte(s)); kerr == nil && len(hosts) > 0 {
		return nil, errors.New(`looks like a known_hosts line: give only the key ("ssh-ed25519 AAAA…"), without the host names`)
	}
	// x/crypto's own message ("no key found; last parsing error for
	// ignored line…") says little to someone who pasted the wrong thing.
	return nil, errors.New(`not a public key in authorized_keys format ("ssh-ed25519 AAAA…")`)
}

// endpoint is one SSH server on the way to the machine: the bastion or the
// target, with everything needed to log into it.
type endpoint struct {
	host, user     string
	port           int
	privateKey     string
	privateKeyFile string
	useAgent       bool
	hostKey        hostKeySpec
}

func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// String is "user@host:port", how errors name the endpoint.
func (e endpoint) String() string { return e.user + "@" + e.addr() }

func (c *Config) target() endpoint {
	return endpoint{
		host: c.Host, port: c.Port, user: c.User,
		privateKey: c.PrivateKey, privateKeyFile: c.PrivateKeyFile, useAgent: c.UseAgent,
		hostKey: hostKeySpec{
			pinned: c.HostKey, pinnedAttr: AttrHostKey,
			knownHosts: c.KnownHostsFile, insecure: c.InsecureIgnoreHostKey,
		},
	}
}

func (c *Config) bastion() endpoint {
	b := c.Bastion
	spec := hostKeySpec{pinned: b.HostKey, pinnedAttr: AttrBastionHostKey}
	switch {
	case b.HostKey != "":
	case c.KnownHostsFile != "":
		spec.knownHosts = c.KnownHostsFile
	case c.InsecureIgnoreHostKey:
		spec.insecure = true
	default:
		spec.knownHosts = defaultKnownHostsFile()
	}
	return endpoint{
		host: b.Host, port: b.Port, user: b.User,
		privateKey: b.PrivateKey, privateKeyFile: b.PrivateKeyFile, useAgent: c.UseAgent,
		hostKey: spec,
	}
}
