package grammar

import (
	"fmt"
	"strings"
)

// Sections whose resources take extra lines.
const (
	SectionBackend  = "backend"
	SectionFrontend = "frontend"
)

// firstClass maps, per section, the keywords a resource manages with an
// attribute of its own to that attribute. A line starting with one of them
// is refused as an extra line: the attribute is typed, validated, diffed
// per field and, for servers, changed live; the same keyword written twice
// (once by the attribute, once raw) would leave HAProxy to pick one.
// Two-word keys ("option httpchk") are matched before one-word ones.
var firstClass = map[string]map[string]string{
	SectionBackend: {
		"mode": "mode", "balance": "balance", "server": "servers",
		"http-request": "http_request", "http-response": "http_response",
		"option httpchk": "http_check", "stick-table": "stick_table",
		"retries": "retries", "retry-on": "retry_on", "option redispatch": "redispatch",
		"timeout server": "timeout_server", "timeout connect": "timeout_connect", "timeout queue": "timeout_queue",
		"tcp-request": "tcp_request", "tcp-response": "tcp_response", "http-after-response": "http_after_response",
	},
	SectionFrontend: {
		"mode": "mode", "maxconn": "maxconn", "bind": "binds", "acl": "acls",
		"http-request": "http_request", "http-response": "http_response",
		"use_backend": "use_backend", "default_backend": "default_backend",
		"option forwardfor": "forwardfor", "option httplog": "httplog",
		"stick-table": "stick_table", "tcp-request": "tcp_request", "http-after-response": "http_after_response",
	},
}

// sectionKeywords open a new section: as an extra line one would end the
// resource's own section and put the lines after it somewhere else.
var sectionKeywords = []string{
	"global", "defaults", "frontend", "backend", "listen", "resolvers", "userlist", "peers",
	"mailers", "cache", "program", "http-errors", "ring", "log-forward", "fcgi-app",
}

// snippetMarker is in the comments client-native's parser brackets a raw
// block with; a line holding it would end the block early.
const snippetMarker = "config-snippet"

// ExtraLinesDescription describes ExtraLine for schema docs.
const ExtraLinesDescription = "without leading or trailing spaces or `#`, not opening a section, " +
	"and not a keyword the resource has an attribute for"

// ExtraLine says what is wrong with line as an extra line of a section of
// the given kind (SectionBackend, SectionFrontend), nil when nothing. What
// only HAProxy can judge (an unknown keyword, a bad argument) is left to
// `haproxy -c` on the machine.
func ExtraLine(section, line string) error {
	switch {
	case strings.TrimSpace(line) == "":
		return fmt.Errorf("an extra line must not be empty")
	case strings.ContainsAny(line, "\r\n"):
		return fmt.Errorf("%q holds a line break: give each line as its own element", line)
	case strings.TrimSpace(line) != line:
		return fmt.Errorf("%q starts or ends with spaces: HAProxy does not need them and the line would read back without them", line)
	case strings.Contains(line, "#"):
		// The parser splits a comment off the line and would not give it back.
		return fmt.Errorf("%q contains '#', which starts a comment in haproxy.cfg: extra lines are configuration only", line)
	case strings.Contains(line, snippetMarker):
		return fmt.Errorf("%q contains %q, which the agent uses to mark the extra lines", line, snippetMarker)
	}
	for _, r := range line {
		if r < ' ' && r != '\t' {
			return fmt.Errorf("%q contains %s", line, DescribeRune(r))
		}
	}
	words := strings.Fields(line)
	if words[0] == "no" && len(words) > 1 {
		words = words[1:]
	}
	for _, s := range sectionKeywords {
		if words[0] == s {
			return fmt.Errorf("%q would open a new %q section: an extra line belongs to its %s", line, s, section)
		}
	}
	attrs, ok := firstClass[section]
	if !ok {
		return fmt.Errorf("section %q takes no extra lines", section)
	}
	keys := []string{words[0]}
	if len(words) > 1 {
		keys = []string{words[0] + " " + words[1], words[0]}
	}
	for _, k := range keys {
		if attr, ok := attrs[k]; ok {
			return fmt.Errorf("%q is `%s`, which the %s's %s attribute manages: use the attribute (it is typed, "+
				"validated and diffed per field)", line, k, section, attr)
		}
	}
	return nil
}

// ExtraLines checks each line with ExtraLine and that none is listed twice.
func ExtraLines(section string, lines []string) error {
	seen := map[string]bool{}
	for i, l := range lines {
		if err := ExtraLine(section, l); err != nil {
			return fmt.Errorf("extra_lines[%d]: %w", i, err)
		}
		if seen[l] {
			return fmt.Errorf("extra_lines[%d]: %q is listed twice", i, l)
		}
		seen[l] = true
	}
	return nil
}
