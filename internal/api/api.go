// Package api holds what the provider and the agent say to each other: the
// handshake, the frame format, the method names and their request and
// response types. Both sides import it; neither side's logic lives here.
//
// The wire format is deliberately boring: after the agent prints one
// handshake line, every frame is one JSON object on one line (JSON escapes
// newlines inside strings, so a line is a frame). Requests carry an id so that
// many resources can share one agent session concurrently; the agent answers
// in any order and the client matches answers to callers by id.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ProtocolVersion changes whenever a method, type or frame changes in a way
// an older peer would misread. The provider refuses an agent that speaks
// another version and uploads its own.
const ProtocolVersion = 1

// HandshakeMagic starts the agent's first line. Anything a login shell prints
// before it (motd, profile noise) is skipped by the client.
const HandshakeMagic = "SWITCHYARD-AGENT"

// Handshake is the agent's first line: magic, protocol version, agent version.
type Handshake struct {
	Protocol int
	Version  string
}

// String renders the handshake line without its newline.
func (h Handshake) String() string {
	return fmt.Sprintf("%s %d %s", HandshakeMagic, h.Protocol, h.Version)
}

// ParseHandshake reads a handshake line. ok is false when the line is not a
// handshake at all (shell noise), err is set when it is one but malformed.
func ParseHandshake(line string) (h Handshake, ok bool, err error) {
	fields := strings.Fields(strings.TrimSpace(line))
	if len(fields) == 0 || fields[0] != HandshakeMagic {
		return Handshake{}, false, nil
	}
	if len(fields) != 3 {
		return Handshake{}, true, fmt.Errorf("malformed agent handshake %q", line)
	}
	p, err := strconv.Atoi(fields[1])
	if err != nil {
		return Handshake{}, true, fmt.Errorf("malformed agent handshake %q: %w", line, err)
	}
	return Handshake{Protocol: p, Version: fields[2]}, true, nil
}

// Request is one call from the provider to the agent.
type Request struct {
	ID     uint64          `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
}

// Response answers the Request with the same ID: either Result or Error.
type Response struct {
	ID     uint64          `json:"id"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Error codes. The provider maps them to Terraform behaviour: NotFound removes
// a resource from state, Rejected and Invalid become user-facing diagnostics,
// the rest are internal failures.
const (
	CodeNotFound = "not_found" // the object does not exist on the machine
	CodeExists   = "exists"    // create of an object that already exists
	CodeInvalid  = "invalid"   // the request itself is wrong (bad params)
	CodeRejected = "rejected"  // HAProxy (or systemd) refused the change; nothing was changed
	CodeReload   = "reload"    // the change validated but the reload failed; the previous config was restored
	CodeInternal = "internal"  // anything else
	CodeUnknown  = "unknown_method"
)

// Error is an agent-side failure, carried to the provider intact.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Detail is the raw output of the tool that failed (haproxy -c, systemctl),
	// kept separate so the provider can show it verbatim.
	Detail string `json:"detail,omitempty"`
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Message + ":\n" + e.Detail
	}
	return e.Message
}

// Is lets errors.Is(err, api.ErrNotFound) work across the wire.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrNotFound = &Error{Code: CodeNotFound}
	ErrExists   = &Error{Code: CodeExists}
	ErrRejected = &Error{Code: CodeRejected}
	ErrInvalid  = &Error{Code: CodeInvalid}
)

// Errorf builds an *Error with a code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
