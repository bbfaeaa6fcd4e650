package grammar

import (
	"fmt"
	"slices"
	"strings"

	"github.com/haproxytech/client-native/v5/config-parser/common"
	"github.com/haproxytech/client-native/v5/config-parser/parsers/tcp"
	"github.com/haproxytech/client-native/v5/config-parser/types"
	"github.com/haproxytech/client-native/v5/misc"
)

// TCP rule keywords TCPRule parses.
const (
	TCPRequest  = "tcp-request"
	TCPResponse = "tcp-response"
)

// TCPRule parses a tcp-request or tcp-response rule line (keyword is
// TCPRequest or TCPResponse), given without its keyword, with the
// configuration parser client-native writes haproxy.cfg with, as it reads
// it in a section of the given kind (SectionFrontend, SectionBackend): a
// backend takes only `content` and `inspect-delay` tcp-request rules. It
// returns the parsed rule and the line as the parser writes it back, with
// an inspect-delay in milliseconds, the unit client-native writes it in (so
// "5s" and "5000" are the same rule). Like HTTPRule it fails when the
// parser reads the line differently from how it was written.
func TCPRule(keyword, section, line string) (types.TCPType, string, error) {
	parts, err := SplitRule(keyword, line)
	if err != nil {
		return nil, "", err
	}
	kinds := "content ACTION [if|unless COND]` or `inspect-delay TIME"
	if keyword == TCPRequest && section == SectionFrontend {
		kinds = "connection|session|" + kinds
	}
	if len(parts) < 3 {
		return nil, "", fmt.Errorf("%q is not a %s rule: write `%s`", line, keyword, kinds)
	}
	if keyword == TCPRequest && section == SectionBackend && (parts[1] == "connection" || parts[1] == "session") {
		return nil, "", fmt.Errorf("%q: a backend takes only `content` and `inspect-delay` tcp-request rules; "+
			"`%s` rules run before a backend is chosen and belong on the frontend", line, parts[1])
	}
	var p interface {
		Init()
		Parse(line string, parts []string, comment string) (string, error)
		Get(createIfNotExist bool) (common.ParserData, error)
	}
	switch keyword {
	case TCPRequest:
		p = &tcp.Requests{Mode: section}
	case TCPResponse:
		p = &tcp.Responses{Mode: section}
	default:
		return nil, "", fmt.Errorf("%q is not a TCP rule keyword", keyword)
	}
	p.Init()
	if _, err := p.Parse(strings.Join(parts, " "), parts, ""); err != nil {
		return nil, "", fmt.Errorf("%q is not a %s rule HAProxy's configuration parser understands "+
			"(unknown kind %q, unknown action or missing arguments)", line, keyword, parts[1])
	}
	data, err := p.Get(false)
	if err != nil {
		return nil, "", fmt.Errorf("%q: %w", line, err)
	}
	rules, ok := data.([]types.TCPType)
	if !ok || len(rules) != 1 {
		return nil, "", fmt.Errorf("%q: unexpected parser result", line)
	}
	if parts[1] == "inspect-delay" {
		ms := misc.ParseTimeout(parts[2])
		if ms == nil || len(parts) != 3 {
			return nil, "", fmt.Errorf("%q: inspect-delay takes one duration such as 5s or 500ms", line)
		}
		return rules[0], fmt.Sprintf("inspect-delay %d", *ms), nil
	}
	norm := rules[0].String()
	if got, _ := SplitRule(keyword, norm); !slices.Equal(got, parts) {
		return nil, "", fmt.Errorf("%q is read by HAProxy's configuration parser as %q: check the words it left out", line, norm)
	}
	return rules[0], norm, nil
}
