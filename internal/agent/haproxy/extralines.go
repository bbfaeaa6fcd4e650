package haproxy

import (
	"errors"

	parser "github.com/haproxytech/client-native/v5/config-parser"
	parsererrors "github.com/haproxytech/client-native/v5/config-parser/errors"
	"github.com/haproxytech/client-native/v5/config-parser/types"
	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// A section's extra lines (the escape hatch) are written as client-native's
// config snippet, the block its parser brackets with
//
//	###_config-snippet_### BEGIN
//	option http-keep-alive
//	###_config-snippet_### END
//
// The markers are how the agent knows which lines the resource owns, and
// the parser keeps what is between them as raw text, in the order given:
// it does not hand `option http-keep-alive` to its typed option parser, so
// client-native's models (and the typed attributes built on them) never see
// an owned line, an EditBackend cannot rewrite one, and a hand edit inside
// the block reads back as exactly what is there (drift). Matching the
// section's lines against the list instead would make a hand-written line
// that happens to equal an owned one indistinguishable from it, and the
// typed parsers reorder and respell what they parse. A section holds one
// snippet, so the block is all of its raw lines: nothing else uses it.
const extraLinesAttr = "config-snippet"

// writeExtraLines makes the section's owned lines exactly lines when they
// are managed (non-nil); an empty list removes the block.
func writeExtraLines(cl configuration.Configuration, tx string, section parser.Section, name string, lines *[]string) error {
	if lines == nil {
		return nil // not managed: left as they are
	}
	p, err := cl.GetParser(tx)
	if err != nil {
		return err
	}
	if len(*lines) == 0 {
		if err := p.Delete(section, name, extraLinesAttr); err != nil && !errors.Is(err, parsererrors.ErrFetch) {
			return err
		}
		return nil
	}
	return p.Set(section, name, extraLinesAttr, &types.StringSliceC{Value: append([]string(nil), *lines...)})
}

// readExtraLines returns the section's owned lines, nil when it has none.
func readExtraLines(cl configuration.Configuration, tx string, section parser.Section, name string) (*[]string, error) {
	p, err := cl.GetParser(tx)
	if err != nil {
		return nil, err
	}
	data, err := p.Get(section, name, extraLinesAttr)
	switch {
	case errors.Is(err, parsererrors.ErrFetch):
		return nil, nil
	case err != nil:
		return nil, err
	}
	s, ok := data.(*types.StringSliceC)
	if !ok || len(s.Value) == 0 {
		return nil, nil
	}
	out := append([]string(nil), s.Value...)
	return &out, nil
}

// checkExtraLines refuses, before anything is queued, what the provider
// refuses at plan time, whoever sent the request.
func checkExtraLines(kind, name string, lines *[]string) error {
	if lines == nil {
		return nil
	}
	if err := grammar.ExtraLines(kind, *lines); err != nil {
		return api.Errorf(api.CodeInvalid, "%s: %v", label(kind, name), err)
	}
	return nil
}
