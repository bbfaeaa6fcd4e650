package grammar

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sections whose resources take extra lines.
const (
	SectionBackend  = "backend"
	SectionFrontend = "frontend"
	SectionGlobal   = "global"
	SectionDefaults = "defaults"
	SectionCache    = "cache"
	SectionUserlist = "userlist"
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
	// switchyard_haproxy's global_extra_lines and defaults_extra_lines.
	SectionGlobal: {
		"maxconn": "maxconn", "nbthread": "nbthread", "log": "log_targets",
		"user": "run_as_root", "group": "run_as_root", "stats socket": "runtime_socket",
		"hard-stop-after": "hard_stop_after", "server-state-file": "server_state_file",
	},
	SectionDefaults: {
		"mode": "mode", "timeout connect": "timeout_connect", "timeout client": "timeout_client",
		"timeout server": "timeout_server", "option httplog": "httplog", "option forwardfor": "forwardfor",
		"load-server-state-from-file": "server_state_file",
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
	switch section {
	case SectionUserlist:
		return fmt.Errorf("%q: a userlist takes no extra lines: its only keywords, `user` and `group`, are the "+
			"users attribute and groups, and client-native keeps no raw block in a userlist for the agent to own", line)
	case SectionCache:
		return cacheExtraLine(line, words)
	}
	if section == SectionGlobal && words[0] == "localpeer" {
		// No attribute, but not the user's either: stick tables' peers
		// section is named after it, and the agent sets it (api.LocalPeerName).
		return fmt.Errorf("%q: `localpeer` names the peer the agent keeps for stick tables' keep_on_reload, "+
			"and the agent sets it; it cannot be an extra line", line)
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
			owner := "the " + section + "'s"
			if section == SectionGlobal || section == SectionDefaults {
				owner = "switchyard_haproxy's"
			}
			return fmt.Errorf("%q is `%s`, which %s %s attribute manages: use the attribute (it is typed, "+
				"validated and diffed per field)", line, k, owner, attr)
		}
	}
	return nil
}

// ExtraLines checks each line with ExtraLine and that none is listed twice.
// In a cache a keyword may also be given only once: the section holds one
// value of each, and a second line would replace the first.
func ExtraLines(section string, lines []string) error {
	attr := ExtraLinesAttribute(section)
	seen := map[string]bool{}
	keywords := map[string]bool{}
	for i, l := range lines {
		if err := ExtraLine(section, l); err != nil {
			return fmt.Errorf("%s[%d]: %w", attr, i, err)
		}
		if seen[l] {
			return fmt.Errorf("%s[%d]: %q is listed twice", attr, i, l)
		}
		seen[l] = true
		if section == SectionCache {
			k := strings.Fields(l)[0]
			if keywords[k] {
				return fmt.Errorf("%s[%d]: %q sets %s a second time: a cache has one %s", attr, i, l, k, k)
			}
			keywords[k] = true
		}
	}
	return nil
}

// ExtraLinesAttribute is the attribute holding a section's extra lines:
// switchyard_haproxy has one per section it manages.
func ExtraLinesAttribute(section string) string {
	switch section {
	case SectionGlobal, SectionDefaults:
		return section + "_extra_lines"
	}
	return "extra_lines"
}

// CacheExtraLineKeywords are the cache section's keywords that no attribute
// of switchyard_cache covers; they are all its extra lines may be. A cache
// section accepts nothing else, so anything more is refused at plan time
// instead of by `haproxy -c`.
var CacheExtraLineKeywords = []string{"process-vary on|off", "max-secondary-entries <n>"}

// cacheExtraLine checks line in the one spelling each keyword reads back
// in (client-native parses them into numbers and booleans), so the list
// the user wrote is the list the machine holds.
func cacheExtraLine(line string, words []string) error {
	accepted := "a cache section's extra lines may only be " + strings.Join(CacheExtraLineKeywords, " or ") +
		" (total-max-size, max-object-size and max-age are attributes)"
	switch {
	case len(words) == 2 && words[0] == "process-vary" && (words[1] == "on" || words[1] == "off") && line == words[0]+" "+words[1]:
		return nil
	case len(words) == 2 && words[0] == "max-secondary-entries" && line == words[0]+" "+words[1]:
		n, err := strconv.ParseInt(words[1], 10, 32)
		if err != nil || n < 1 || strconv.FormatInt(n, 10) != words[1] {
			return fmt.Errorf("%q: max-secondary-entries takes a whole number from 1 to %d, written without leading zeros", line, math.MaxInt32)
		}
		return nil
	case len(words) > 0 && (words[0] == "process-vary" || words[0] == "max-secondary-entries"):
		return fmt.Errorf("%q is not in the form %s, separated by one space: %s", line,
			map[string]string{"process-vary": CacheExtraLineKeywords[0], "max-secondary-entries": CacheExtraLineKeywords[1]}[words[0]], accepted)
	}
	return fmt.Errorf("%q: %s", line, accepted)
}
