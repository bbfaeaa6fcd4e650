package haproxy

import (
	parser "github.com/haproxytech/client-native/v5/config-parser"
	"github.com/haproxytech/client-native/v5/config-parser/params"
	"github.com/haproxytech/client-native/v5/config-parser/types"
	"github.com/haproxytech/client-native/v5/configuration"
)

// client-native writes every bind it creates with `name <address:port>`,
// and an update recreates a frontend's binds, so a hand-written `bind :80`
// would come back as `bind :80 name :80`: the same listener, but a line
// the person did not write (issue 17, an adopted file keeps its lines).
// unnamedBinds remembers the binds whose line has no name before the
// update; dropGeneratedBindNames takes the generated name off them after.

func unnamedBinds(cl configuration.Configuration, frontend, tx string) map[string]bool {
	out := map[string]bool{}
	for _, b := range rawBinds(cl, frontend, tx) {
		if bindName(b) == "" {
			out[b.Path] = true
		}
	}
	return out
}

func dropGeneratedBindNames(cl configuration.Configuration, frontend, tx string, unnamed map[string]bool) error {
	if len(unnamed) == 0 {
		return nil
	}
	p, err := cl.GetParser(tx)
	if err != nil {
		return err
	}
	binds := rawBinds(cl, frontend, tx)
	changed := false
	for i, b := range binds {
		if !unnamed[b.Path] || bindName(b) != b.Path {
			continue
		}
		kept := b.Params[:0:0]
		for _, o := range b.Params {
			if v, ok := o.(*params.BindOptionValue); ok && v.Name == "name" {
				continue
			}
			kept = append(kept, o)
		}
		binds[i].Params = kept
		changed = true
	}
	if !changed {
		return nil
	}
	return p.Set(parser.Frontends, frontend, "bind", binds)
}

func rawBinds(cl configuration.Configuration, frontend, tx string) []types.Bind {
	p, err := cl.GetParser(tx)
	if err != nil {
		return nil
	}
	data, err := p.Get(parser.Frontends, frontend, "bind")
	if err != nil {
		return nil
	}
	binds, _ := data.([]types.Bind)
	return binds
}

func bindName(b types.Bind) string {
	for _, o := range b.Params {
		if v, ok := o.(*params.BindOptionValue); ok && v.Name == "name" {
			return v.Value
		}
	}
	return ""
}
