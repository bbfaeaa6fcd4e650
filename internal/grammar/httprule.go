package grammar

import (
	"fmt"
	"slices"
	"strings"

	"github.com/haproxytech/client-native/v5/config-parser/common"
	"github.com/haproxytech/client-native/v5/config-parser/parsers/http"
	"github.com/haproxytech/client-native/v5/config-parser/types"
)

// HTTP rule keywords HTTPRule parses.
const (
	HTTPRequest  = "http-request"
	HTTPResponse = "http-response"
	// HTTPAfterResponse rules run after http-response ones, also on
	// responses HAProxy generates itself (a deny, a redirect, a 401).
	HTTPAfterResponse = "http-after-response"
)

// HTTPRule parses an http-request, http-response or http-after-response
// rule line (keyword is HTTPRequest, HTTPResponse or HTTPAfterResponse), given without its keyword, with the
// configuration parser client-native writes haproxy.cfg with. It fails when
// the parser does not know the action, or reads the line differently from
// how it was written: the parser silently drops words it does not expect
// (a misspelt `unles`), and such a line would mean something else on the
// machine. Quotes are kept as written (`set-header Strict-Transport-Security
// "max-age=31536000"` comes back the same), so a re-read shows no change.
func HTTPRule(keyword, line string) (types.Action, error) {
	parts, err := SplitRule(keyword, line)
	if err != nil {
		return nil, err
	}
	if len(parts) < 2 {
		return nil, fmt.Errorf("an %s rule must not be empty", keyword)
	}
	var p interface {
		Init()
		Parse(line string, parts []string, comment string) (string, error)
		Get(createIfNotExist bool) (common.ParserData, error)
	}
	switch keyword {
	case HTTPRequest:
		p = &http.Requests{}
	case HTTPResponse:
		p = &http.Responses{}
	case HTTPAfterResponse:
		p = &http.AfterResponses{}
	default:
		return nil, fmt.Errorf("%q is not an HTTP rule keyword", keyword)
	}
	p.Init()
	if _, err := p.Parse(strings.Join(parts, " "), parts, ""); err != nil {
		return nil, fmt.Errorf("%q is not an %s rule HAProxy's configuration parser understands "+
			"(unknown action %q or missing arguments)", line, keyword, parts[1])
	}
	data, err := p.Get(false)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", line, err)
	}
	actions, ok := data.([]types.Action)
	if !ok || len(actions) != 1 {
		return nil, fmt.Errorf("%q: unexpected parser result", line)
	}
	norm := actions[0].String()
	if got, _ := SplitRule(keyword, norm); !slices.Equal(got, parts) {
		return nil, fmt.Errorf("%q is read by HAProxy's configuration parser as %q: check the words it left out", line, norm)
	}
	return actions[0], nil
}
