package haproxy

import (
	"fmt"

	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// A section's rule lists (http-request, http-response,
// http-after-response, tcp-request, tcp-response): each parsed with
// client-native's own parser (internal/grammar) before anything is queued,
// written in the requested order and read back as lines without their
// keyword. ruleList is the one implementation, parameterised by
// client-native's model of a rule of the kind. The newer lists are
// optional as a whole (nil: the section's rules of that kind are left as
// they are); a frontend's http-request and http-response lists are always
// managed.

// ruleList is one kind of rule list, over client-native model M.
type ruleList[M any] struct {
	keyword string
	// parse turns one line, as written in a section of the given kind
	// (grammar.SectionFrontend, SectionBackend), into a model.
	parse func(section, line string) (*M, error)
	// line renders a model as the file has it, without the keyword.
	line     func(M) (string, error)
	setIndex func(*M, int64)
	get      func(cl configuration.Configuration, parentType, name, tx string) ([]*M, error)
	// del deletes the section's first rule of the kind.
	del    func(cl configuration.Configuration, parentType, name, tx string) error
	create func(cl configuration.Configuration, parentType, name string, r *M, tx string) error
}

// models parses lines (nil: not managed, nil back).
func (k ruleList[M]) models(section string, lines *[]string) (*[]*M, error) {
	if lines == nil {
		return nil, nil
	}
	rules := []*M{}
	for i, line := range *lines {
		r, err := k.parse(section, line)
		if err != nil {
			return nil, err
		}
		k.setIndex(r, int64(i))
		rules = append(rules, r)
	}
	return &rules, nil
}

// list is models for a list that is always managed.
func (k ruleList[M]) list(section string, lines []string) ([]*M, error) {
	rules, err := k.models(section, &lines)
	if err != nil {
		return nil, err
	}
	return *rules, nil
}

// write makes the section's rules of the kind exactly rules (nil: leaves
// them). Deleted from the front, since indexes shift after each delete; an
// unchanged list renders the same text, so the pipeline sees no change.
func (k ruleList[M]) write(cl configuration.Configuration, parentType, name string, rules *[]*M, tx string) error {
	if rules == nil {
		return nil
	}
	cur, err := k.get(cl, parentType, name, tx)
	if err != nil {
		return err
	}
	for range cur {
		if err := k.del(cl, parentType, name, tx); err != nil {
			return err
		}
	}
	for _, r := range *rules {
		if err := k.create(cl, parentType, name, r, tx); err != nil {
			return err
		}
	}
	return nil
}

// read returns the section's lines of the kind, nil when it has none.
func (k ruleList[M]) read(cl configuration.Configuration, parentType, name, tx string) (*[]string, error) {
	rules, err := k.get(cl, parentType, name, tx)
	if err != nil || len(rules) == 0 {
		return nil, err
	}
	lines := []string{}
	for i, r := range rules {
		l, err := k.line(*r)
		if err != nil {
			return nil, fmt.Errorf("%s rule %d: %w", k.keyword, i, err)
		}
		lines = append(lines, l)
	}
	return &lines, nil
}

// readLines is read for a list that is always read back: empty, not nil,
// when the section has none.
func (k ruleList[M]) readLines(cl configuration.Configuration, parentType, name, tx string) ([]string, error) {
	lines, err := k.read(cl, parentType, name, tx)
	switch {
	case err != nil:
		return nil, err
	case lines == nil:
		return []string{}, nil
	}
	return *lines, nil
}

var httpRequestList = ruleList[models.HTTPRequestRule]{
	keyword: grammar.HTTPRequest,
	parse: func(_, line string) (*models.HTTPRequestRule, error) {
		a, err := grammar.HTTPRule(grammar.HTTPRequest, line)
		if err != nil {
			return nil, err
		}
		r, err := configuration.ParseHTTPRequestRule(a)
		if err != nil {
			return nil, fmt.Errorf("http-request rule %q: %w", line, err)
		}
		return r, nil
	},
	line: func(r models.HTTPRequestRule) (string, error) {
		a, err := configuration.SerializeHTTPRequestRule(r)
		if err != nil {
			return "", err
		}
		return a.String(), nil
	},
	setIndex: func(r *models.HTTPRequestRule, i int64) { r.Index = &i },
	get: func(cl configuration.Configuration, parentType, name, tx string) ([]*models.HTTPRequestRule, error) {
		_, rules, err := cl.GetHTTPRequestRules(parentType, name, tx)
		return rules, err
	},
	del: func(cl configuration.Configuration, parentType, name, tx string) error {
		return cl.DeleteHTTPRequestRule(0, parentType, name, tx, 0)
	},
	create: func(cl configuration.Configuration, parentType, name string, r *models.HTTPRequestRule, tx string) error {
		return cl.CreateHTTPRequestRule(parentType, name, r, tx, 0)
	},
}

var httpResponseList = ruleList[models.HTTPResponseRule]{
	keyword: grammar.HTTPResponse,
	parse: func(_, line string) (*models.HTTPResponseRule, error) {
		a, err := grammar.HTTPRule(grammar.HTTPResponse, line)
		if err != nil {
			return nil, err
		}
		r := configuration.ParseHTTPResponseRule(a)
		if r == nil {
			return nil, fmt.Errorf("http-response rule %q: client-native has no model for it", line)
		}
		return r, nil
	},
	line: func(r models.HTTPResponseRule) (string, error) {
		a, err := configuration.SerializeHTTPResponseRule(r)
		if err != nil {
			return "", err
		}
		return a.String(), nil
	},
	setIndex: func(r *models.HTTPResponseRule, i int64) { r.Index = &i },
	get: func(cl configuration.Configuration, parentType, name, tx string) ([]*models.HTTPResponseRule, error) {
		_, rules, err := cl.GetHTTPResponseRules(parentType, name, tx)
		return rules, err
	},
	del: func(cl configuration.Configuration, parentType, name, tx string) error {
		return cl.DeleteHTTPResponseRule(0, parentType, name, tx, 0)
	},
	create: func(cl configuration.Configuration, parentType, name string, r *models.HTTPResponseRule, tx string) error {
		return cl.CreateHTTPResponseRule(parentType, name, r, tx, 0)
	},
}

var tcpRequestList = ruleList[models.TCPRequestRule]{
	keyword: grammar.TCPRequest,
	parse: func(section, line string) (*models.TCPRequestRule, error) {
		t, _, err := grammar.TCPRule(grammar.TCPRequest, section, line)
		if err != nil {
			return nil, err
		}
		r, err := configuration.ParseTCPRequestRule(t)
		if err != nil {
			return nil, fmt.Errorf("tcp-request rule %q: %w", line, err)
		}
		return r, nil
	},
	line: func(r models.TCPRequestRule) (string, error) {
		t, err := configuration.SerializeTCPRequestRule(r)
		if err != nil {
			return "", err
		}
		return t.String(), nil
	},
	setIndex: func(r *models.TCPRequestRule, i int64) { r.Index = &i },
	get: func(cl configuration.Configuration, parentType, name, tx string) ([]*models.TCPRequestRule, error) {
		_, rules, err := cl.GetTCPRequestRules(parentType, name, tx)
		return rules, err
	},
	del: func(cl configuration.Configuration, parentType, name, tx string) error {
		return cl.DeleteTCPRequestRule(0, parentType, name, tx, 0)
	},
	create: func(cl configuration.Configuration, parentType, name string, r *models.TCPRequestRule, tx string) error {
		return cl.CreateTCPRequestRule(parentType, name, r, tx, 0)
	},
}

// tcpResponseList is a backend's only (client-native, like HAProxy 2.6,
// knows tcp-response in backends alone): parentType is ignored.
var tcpResponseList = ruleList[models.TCPResponseRule]{
	keyword: grammar.TCPResponse,
	parse: func(section, line string) (*models.TCPResponseRule, error) {
		t, _, err := grammar.TCPRule(grammar.TCPResponse, section, line)
		if err != nil {
			return nil, err
		}
		r, err := configuration.ParseTCPResponseRule(t)
		if err != nil {
			return nil, fmt.Errorf("tcp-response rule %q: %w", line, err)
		}
		return r, nil
	},
	line: func(r models.TCPResponseRule) (string, error) {
		t, err := configuration.SerializeTCPResponseRule(r)
		if err != nil {
			return "", err
		}
		return t.String(), nil
	},
	setIndex: func(r *models.TCPResponseRule, i int64) { r.Index = &i },
	get: func(cl configuration.Configuration, _, name, tx string) ([]*models.TCPResponseRule, error) {
		_, rules, err := cl.GetTCPResponseRules(name, tx)
		return rules, err
	},
	del: func(cl configuration.Configuration, _, name, tx string) error {
		return cl.DeleteTCPResponseRule(0, name, tx, 0)
	},
	create: func(cl configuration.Configuration, _, name string, r *models.TCPResponseRule, tx string) error {
		return cl.CreateTCPResponseRule(name, r, tx, 0)
	},
}

var httpAfterResponseList = ruleList[models.HTTPAfterResponseRule]{
	keyword: grammar.HTTPAfterResponse,
	parse: func(_, line string) (*models.HTTPAfterResponseRule, error) {
		a, err := grammar.HTTPRule(grammar.HTTPAfterResponse, line)
		if err != nil {
			return nil, err
		}
		r, err := configuration.ParseHTTPAfterRule(a)
		switch {
		case err != nil:
			return nil, fmt.Errorf("http-after-response rule %q: %w", line, err)
		case r == nil:
			return nil, fmt.Errorf("http-after-response rule %q: client-native has no model for it", line)
		}
		return r, nil
	},
	line: func(r models.HTTPAfterResponseRule) (string, error) {
		a, err := configuration.SerializeHTTPAfterRule(r)
		if err != nil {
			return "", err
		}
		return a.String(), nil
	},
	setIndex: func(r *models.HTTPAfterResponseRule, i int64) { r.Index = &i },
	get: func(cl configuration.Configuration, parentType, name, tx string) ([]*models.HTTPAfterResponseRule, error) {
		_, rules, err := cl.GetHTTPAfterResponseRules(parentType, name, tx)
		return rules, err
	},
	del: func(cl configuration.Configuration, parentType, name, tx string) error {
		return cl.DeleteHTTPAfterResponseRule(0, parentType, name, tx, 0)
	},
	create: func(cl configuration.Configuration, parentType, name string, r *models.HTTPAfterResponseRule, tx string) error {
		return cl.CreateHTTPAfterResponseRule(parentType, name, r, tx, 0)
	},
}

// sectionRules are a section's optional rule lists, parsed; each nil when
// not managed.
type sectionRules struct {
	tcpRequest        *[]*models.TCPRequestRule
	tcpResponse       *[]*models.TCPResponseRule // backends only
	httpAfterResponse *[]*models.HTTPAfterResponseRule
}

// parseSectionRules parses the optional lists of a section of the given
// kind; tcpResponse must be nil for a frontend.
func parseSectionRules(section string, tcpRequest, tcpResponse, httpAfterResponse *[]string) (sectionRules, error) {
	var s sectionRules
	var err error
	if s.tcpRequest, err = tcpRequestList.models(section, tcpRequest); err != nil {
		return s, err
	}
	if s.tcpResponse, err = tcpResponseList.models(section, tcpResponse); err != nil {
		return s, err
	}
	s.httpAfterResponse, err = httpAfterResponseList.models(section, httpAfterResponse)
	return s, err
}

// write writes the managed lists into the section.
func (s sectionRules) write(cl configuration.Configuration, parentType, name, tx string) error {
	if err := tcpRequestList.write(cl, parentType, name, s.tcpRequest, tx); err != nil {
		return err
	}
	if err := tcpResponseList.write(cl, parentType, name, s.tcpResponse, tx); err != nil {
		return err
	}
	return httpAfterResponseList.write(cl, parentType, name, s.httpAfterResponse, tx)
}
