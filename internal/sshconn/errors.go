package sshconn

import (
	"errors"
	"fmt"
	"strings"
)

// Stages of getting an agent session on a machine. A StageError says which
// one failed, because the fix differs: "dial" is the network or the address,
// "host key" is trust, "auth" is keys or user, the agent stages are the
// machine itself (disk, sudo, architecture).
const (
	StageDial       = "dial"          // TCP connect (or the bastion's forward)
	StageSSH        = "ssh handshake" // SSH protocol setup before auth (version, key exchange)
	StageHostKey    = "host key"
	StageAuth       = "auth"
	StageProbe      = "probe"       // uname -m
	StageUpload     = "upload"      // writing the agent binary
	StageAgentStart = "agent start" // running `… serve` until its handshake line
	StageHandshake  = "handshake"   // the agent's handshake line was wrong
	StageConfigure  = "configure"   // the first call, agent.configure
)

// ErrClosed is returned by Call after Close.
var ErrClosed = errors.New("sshconn: machine connection closed")

// StageError is a failure to reach the agent, classified by stage.
type StageError struct {
	Stage string
	Addr  string // user@host:port of the endpoint that failed
	Via   string // user@host:port of the bastion, when the target was reached through one
	Err   error
}

func (e *StageError) Error() string {
	var b strings.Builder
	b.WriteString("ssh to ")
	b.WriteString(e.Addr)
	if e.Via != "" {
		b.WriteString(" via ")
		b.WriteString(e.Via)
	}
	b.WriteString(": ")
	b.WriteString(e.Stage)
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *StageError) Unwrap() error { return e.Err }

// HostKeyError means the machine did not prove it is the machine we meant.
// It is never retried: trying again only gives an attacker more chances.
type HostKeyError struct {
	Host string // host:port as dialled
	// Source says what the key was checked against: "host_key",
	// "bastion.host_key" or "known_hosts file /path".
	Source string
	// Want are the SHA256 fingerprints that were acceptable; empty when the
	// host is simply unknown to the known_hosts file.
	Want    []string
	Got     string // SHA256 fingerprint the server presented
	KeyType string // type of the presented key, e.g. ssh-ed25519
	Revoked bool   // the presented key is marked @revoked
}

func (e *HostKeyError) Error() string {
	got := e.KeyType + " key " + e.Got
	switch {
	case e.Revoked:
		return fmt.Sprintf("%s presented %s, which %s marks as revoked", e.Host, got, e.Source)
	case len(e.Want) == 0:
		return fmt.Sprintf("%s presented %s, but the host is not in %s: add its key there (for example from ssh-keyscan, checked out of band) or pin it with %s",
			e.Host, got, e.Source, AttrHostKey)
	default:
		return fmt.Sprintf("host key mismatch for %s: it presented %s, but %s expects %s; the machine may have been reinstalled, or someone may be intercepting the connection",
			e.Host, got, e.Source, strings.Join(e.Want, " or "))
	}
}
