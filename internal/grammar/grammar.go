// Package grammar holds the words Switchyard accepts for the names, map
// entries and rule lines that end up in haproxy.cfg, map files, /run/netns
// and systemd unit names. Each rule is written once here: the provider wraps
// it as a plan-time validator (so a typo fails at `terraform validate`, with
// the Description in the schema docs), and the agent enforces the same
// function on every request (so a value that would inject configuration or
// leave its directory never reaches the machine, whoever sent it).
//
// The package is plain Go on purpose: the agent must not import the
// Terraform plugin framework.
package grammar

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/haproxytech/client-native/v5/config-parser/common"
)

// MaxNameLen bounds HAProxy names. HAProxy itself sets no limit; 255 is the
// longest file name Linux allows, which is what a network namespace name
// becomes (/run/netns/NAME), so one rule fits every name.
const MaxNameLen = 255

// ProxyNameDescription describes ProxyName for schema docs.
var ProxyNameDescription = fmt.Sprintf("made of 1 to %d letters, digits, `-`, `_`, `.` and `:`", MaxNameLen)

// ProxyName accepts what HAProxy accepts as a proxy, server, userlist, ACL or
// namespace name (its invalid_char(): ASCII letters, digits and "-_.:").
func ProxyName(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	if len(s) > MaxNameLen {
		return fmt.Errorf("%q is %d characters long; names may have at most %d", s, len(s), MaxNameLen)
	}
	for _, r := range s {
		if isAlnum(r) || strings.ContainsRune("-_.:", r) {
			continue
		}
		return fmt.Errorf("%q contains %s, which HAProxy does not allow in names: use only letters, digits, '-', '_', '.' and ':'", s, DescribeRune(r))
	}
	return nil
}

// MaxCacheNameLen is HAProxy's own limit on a cache's name: 2.6 keeps the
// first 32 characters with only a warning, so a longer name would leave the
// rules that use the cache naming another one than the section.
const MaxCacheNameLen = 32

// CacheNameDescription describes CacheName for schema docs.
var CacheNameDescription = fmt.Sprintf("made of 1 to %d letters, digits, `-`, `_`, `.` and `:`", MaxCacheNameLen)

// CacheName is ProxyName within HAProxy's limit for cache names.
func CacheName(s string) error {
	if len(s) > MaxCacheNameLen {
		return fmt.Errorf("%q is %d characters long; HAProxy keeps only the first %d of a cache's name", s, len(s), MaxCacheNameLen)
	}
	return ProxyName(s)
}

// MaxMapNameLen leaves room for `.map` within Linux's 255-byte file names.
const MaxMapNameLen = 250

// MapNameDescription describes MapName for schema docs.
var MapNameDescription = fmt.Sprintf("made of 1 to %d letters, digits, `-`, `_` and `.`, not starting with `.`", MaxMapNameLen)

// MapName accepts a map file name without `.map`. It must stay a plain file
// name in the maps directory: no slash, and no leading dot (no `..`, no
// hidden files).
func MapName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("map name must not be empty")
	case len(s) > MaxMapNameLen:
		return fmt.Errorf("map name %q is longer than %d characters", s, MaxMapNameLen)
	case s[0] == '.':
		return fmt.Errorf("map name %q starts with a dot; it must be a plain file name", s)
	}
	for _, r := range s {
		if !isAlnum(r) && !strings.ContainsRune("-_.", r) {
			return fmt.Errorf("map name %q contains %s; use letters, digits, `-`, `_` and `.`", s, DescribeRune(r))
		}
	}
	return nil
}

// MaxCertificateNameLen leaves room for `.pem` within Linux's 255-byte file
// names.
const MaxCertificateNameLen = 251

// CertificateNameDescription describes CertificateName for schema docs.
var CertificateNameDescription = fmt.Sprintf("made of 1 to %d letters, digits, `-`, `_` and `.`, not starting with `.`", MaxCertificateNameLen)

// CertificateName accepts a certificate file name without `.pem`: like a
// map name, a plain file name in the certificates directory, and a single
// word on HAProxy's command line (`set ssl cert <path>`).
func CertificateName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("certificate name must not be empty")
	case len(s) > MaxCertificateNameLen:
		return fmt.Errorf("certificate name %q is longer than %d characters", s, MaxCertificateNameLen)
	case s[0] == '.':
		return fmt.Errorf("certificate name %q starts with a dot; it must be a plain file name", s)
	}
	for _, r := range s {
		if !isAlnum(r) && !strings.ContainsRune("-_.", r) {
			return fmt.Errorf("certificate name %q contains %s; use letters, digits, `-`, `_` and `.`", s, DescribeRune(r))
		}
	}
	return nil
}

// SSLVersions are the values of a bind's `ssl-min-ver`, oldest first.
var SSLVersions = []string{"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}

// ALPNDescription describes ALPN for schema docs.
const ALPNDescription = "a comma-separated list of protocol names without blanks, as `h2,http/1.1`"

// ALPN accepts a bind's `alpn` list: protocol names of 1 to 255 bytes (the
// TLS limit), printable ASCII without blanks or commas, joined by commas.
func ALPN(s string) error {
	if s == "" {
		return fmt.Errorf("alpn must not be empty")
	}
	for _, p := range strings.Split(s, ",") {
		if p == "" || len(p) > 255 {
			return fmt.Errorf("alpn %q: each protocol name between the commas has 1 to 255 characters", s)
		}
		for _, r := range p {
			if r <= ' ' || r > '~' || r == '#' {
				return fmt.Errorf("alpn %q contains %s; protocol names are printable ASCII without blanks or '#'", s, DescribeRune(r))
			}
		}
	}
	return nil
}

// MapKeyDescription describes MapKey for schema docs.
const MapKeyDescription = "a non-empty word without blanks or line breaks that does not start with `#`"

// MapKey accepts a key of a map file, which HAProxy ends at the first blank;
// a leading `#` would make its line a comment.
func MapKey(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("map key must not be empty")
	case s[0] == '#':
		return fmt.Errorf("map key %q starts with `#`, which makes its line a comment in the map file", s)
	}
	if i := strings.IndexAny(s, " \t\r\n\v\f"); i >= 0 {
		return fmt.Errorf("map key %q contains %s; a map file ends the key at the first blank", s, DescribeRune(rune(s[i])))
	}
	return nil
}

// MapValueDescription describes MapValue for schema docs.
const MapValueDescription = "a non-empty text without line breaks or blanks at either end"

// MapValue accepts a value of a map file, which is the rest of its line.
func MapValue(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("map value must not be empty")
	case strings.ContainsAny(s, "\r\n"):
		return fmt.Errorf("map value %q contains a line break; a map file holds one entry per line", s)
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("map value %q has blanks at its start or end, which a map file would drop", s)
	}
	return nil
}

// UnitWordDescription describes NamespaceName and ServiceName for schema docs.
const UnitWordDescription = "made of 1 to 64 letters, digits, `-`, `_` and `.`, not starting with `-` or `.`"

// unitWord matches names that become both a file name (/run/netns/NAME,
// NAME.service) and a systemd instance name used as %i without escaping.
var unitWord = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)

// NamespaceName accepts a network namespace name.
func NamespaceName(s string) error { return UnitWord("namespace", s) }

// ServiceName accepts a service name, without `.service`.
func ServiceName(s string) error { return UnitWord("service", s) }

// UnitWord accepts a name that becomes a file name and a systemd instance
// name; kind names it in the error ("state directory").
func UnitWord(kind, s string) error {
	if !unitWord.MatchString(s) {
		return fmt.Errorf("%q is not a valid %s name: use 1 to 64 letters, digits, '-', '_' and '.', not starting with '-' or '.'", s, kind)
	}
	return nil
}

// SplitRule splits a rule line given without its keyword (an http-request
// rule, an ACL, a condition) the way HAProxy's configuration parser splits a
// line of haproxy.cfg, keyword first. A line break would start a new line of
// configuration and a `#` would cut the line short, so both are refused.
func SplitRule(keyword, line string) ([]string, error) {
	if strings.ContainsAny(line, "\n\r") {
		return nil, fmt.Errorf("%q must be one line", line)
	}
	parts, comment := common.StringSplitWithCommentIgnoreEmpty(keyword + " " + line)
	if comment != "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
		return nil, fmt.Errorf("%q contains '#', which starts a comment in haproxy.cfg", line)
	}
	return parts, nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// DescribeRune names a character for an error message, in words for the
// ones people actually paste into names.
func DescribeRune(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '\n', '\r':
		return "a line break"
	case '"':
		return "a double quote"
	case '\'':
		return "a single quote"
	case '#':
		return "'#' (it starts a comment in haproxy.cfg)"
	default:
		return fmt.Sprintf("%q", r)
	}
}
