package sshconn

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@example"

func TestSetDefaults(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory")
	}
	tests := []struct {
		name string
		in   Config
		want Config
	}{
		{
			name: "empty gets defaults and known_hosts",
			in:   Config{Host: "10.0.0.1"},
			want: Config{Host: "10.0.0.1", Port: 22, User: "root", Timeout: 30 * time.Second,
				KnownHostsFile: filepath.Join(home, ".ssh", "known_hosts")},
		},
		{
			name: "pinned key gets no known_hosts",
			in:   Config{Host: "[::1]", HostKey: testHostKey, PrivateKeyFile: "~/.ssh/id_ed25519"},
			want: Config{Host: "::1", Port: 22, User: "root", Timeout: 30 * time.Second, HostKey: testHostKey,
				PrivateKeyFile: filepath.Join(home, ".ssh", "id_ed25519")},
		},
		{
			name: "insecure gets no known_hosts",
			in:   Config{Host: "h", InsecureIgnoreHostKey: true, Port: 2222, User: "deploy"},
			want: Config{Host: "h", Port: 2222, User: "deploy", Timeout: 30 * time.Second, InsecureIgnoreHostKey: true},
		},
		{
			name: "bastion inherits user and keys",
			in:   Config{Host: "h", User: "deploy", PrivateKey: "PEM", Bastion: &BastionConfig{Host: "jump"}},
			want: Config{Host: "h", Port: 22, User: "deploy", PrivateKey: "PEM", Timeout: 30 * time.Second,
				KnownHostsFile: filepath.Join(home, ".ssh", "known_hosts"),
				Bastion:        &BastionConfig{Host: "jump", Port: 22, User: "deploy", PrivateKey: "PEM"}},
		},
		{
			name: "bastion with its own key file does not inherit the inline key",
			in:   Config{Host: "h", PrivateKey: "PEM", Bastion: &BastionConfig{Host: "jump", User: "jumper", PrivateKeyFile: "/k"}},
			want: Config{Host: "h", Port: 22, User: "root", PrivateKey: "PEM", Timeout: 30 * time.Second,
				KnownHostsFile: filepath.Join(home, ".ssh", "known_hosts"),
				Bastion:        &BastionConfig{Host: "jump", Port: 22, User: "jumper", PrivateKeyFile: "/k"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			got.SetDefaults()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			again := got
			again.SetDefaults()
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("not idempotent (-first +second):\n%s", diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := func() Config {
		return Config{Host: "10.0.0.1", PrivateKeyFile: "/k", HostKey: testHostKey}
	}
	tests := []struct {
		name   string
		modify func(*Config)
		want   string // "" means valid
	}{
		{"valid", func(c *Config) {}, ""},
		{"valid with agent only", func(c *Config) { c.PrivateKeyFile = ""; c.UseAgent = true }, ""},
		{"valid with default known_hosts", func(c *Config) { c.HostKey = "" }, ""},
		{"host required", func(c *Config) { c.Host = "" },
			"host is required: the address or name of the machine to manage"},
		{"user in host", func(c *Config) { c.Host = "root@10.0.0.1" },
			`host "root@10.0.0.1" must be a host name or address only: set the user with the user attribute`},
		{"port in host", func(c *Config) { c.Host = "10.0.0.1:2222" },
			`host "10.0.0.1:2222" must be a host name or address only: set the port with the port attribute`},
		{"bad port", func(c *Config) { c.Port = 70000 },
			"port must be between 1 and 65535, got 70000"},
		{"host_key and known_hosts_file", func(c *Config) { c.KnownHostsFile = "/kh" },
			"only one of host_key, known_hosts_file and insecure_ignore_host_key may be set"},
		{"known_hosts_file and insecure", func(c *Config) { c.HostKey = ""; c.KnownHostsFile = "/kh"; c.InsecureIgnoreHostKey = true },
			"only one of host_key, known_hosts_file and insecure_ignore_host_key may be set"},
		{"host_key garbage", func(c *Config) { c.HostKey = "not a key" },
			`host_key: not a public key in authorized_keys format ("ssh-ed25519 AAAA…")`},
		{"host_key with two keys", func(c *Config) { c.HostKey = testHostKey + "\n" + testHostKey },
			"host_key: holds more than one key: pin exactly one"},
		{"host_key as known_hosts line", func(c *Config) { c.HostKey = "10.0.0.1 " + testHostKey },
			`host_key: looks like a known_hosts line: give only the key ("ssh-ed25519 AAAA…"), without the host names`},
		{"no auth", func(c *Config) { c.PrivateKeyFile = "" },
			"no SSH authentication method: set private_key, private_key_file or agent"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second },
			"timeout must not be negative, got -1s"},
		{"bastion host required", func(c *Config) { c.Bastion = &BastionConfig{} },
			"bastion.host is required when a bastion is configured"},
		{"bastion host_key garbage", func(c *Config) { c.Bastion = &BastionConfig{Host: "jump", HostKey: "nope"} },
			`bastion.host_key: not a public key in authorized_keys format ("ssh-ed25519 AAAA…")`},
		{"valid bastion", func(c *Config) { c.Bastion = &BastionConfig{Host: "jump", HostKey: testHostKey} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.modify(&c)
			c.SetDefaults()
			got := ""
			if err := c.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q\nwant          %q", got, tt.want)
			}
		})
	}
}

// The bastion's host key never falls back to the target's pinned key.
func TestBastionHostKeySource(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory")
	}
	tests := []struct {
		name string
		cfg  Config
		want hostKeySpec
	}{
		{"own key", Config{Host: "h", HostKey: testHostKey, Bastion: &BastionConfig{Host: "b", HostKey: "K"}},
			hostKeySpec{pinned: "K", pinnedAttr: AttrBastionHostKey}},
		{"main known_hosts", Config{Host: "h", KnownHostsFile: "/kh", Bastion: &BastionConfig{Host: "b"}},
			hostKeySpec{pinnedAttr: AttrBastionHostKey, knownHosts: "/kh"}},
		{"insecure", Config{Host: "h", InsecureIgnoreHostKey: true, Bastion: &BastionConfig{Host: "b"}},
			hostKeySpec{pinnedAttr: AttrBastionHostKey, insecure: true}},
		{"target pinned", Config{Host: "h", HostKey: testHostKey, Bastion: &BastionConfig{Host: "b"}},
			hostKeySpec{pinnedAttr: AttrBastionHostKey, knownHosts: filepath.Join(home, ".ssh", "known_hosts")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.SetDefaults()
			if diff := cmp.Diff(tt.want, tt.cfg.bastion().hostKey, cmp.AllowUnexported(hostKeySpec{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
