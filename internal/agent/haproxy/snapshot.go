package haproxy

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Snapshot reads every object of the given kinds at once: the config
// sections from one parse of haproxy.cfg, every map file with one
// `show map` each. Each object is read by the very function its single Get
// uses (readBackend, readFrontend, readUserlist, GetMap), so a snapshot
// answer and a Get answer cannot differ; an object that function fails on
// is listed as unreadable, and its Get then reports the failure.
func (m *Manager) Snapshot(ctx context.Context, kinds []string) (api.Snapshot, error) {
	if err := api.CheckSnapshotKinds(kinds); err != nil {
		return api.Snapshot{}, err
	}
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	s := api.Snapshot{Kinds: []string{}}
	for _, k := range api.SnapshotKinds {
		if want[k] {
			s.Kinds = append(s.Kinds, k)
		}
	}
	unreadable := func(kind, name string) {
		if s.Unreadable == nil {
			s.Unreadable = map[string][]string{}
		}
		s.Unreadable[kind] = append(s.Unreadable[kind], name)
	}
	if want[api.KindBackends] || want[api.KindFrontends] || want[api.KindUserlists] {
		err := m.cfg.read(func(cl configuration.Configuration) error {
			if want[api.KindBackends] {
				s.Backends = map[string]api.Backend{}
				_, bs, err := cl.GetBackends("")
				if err != nil {
					return err
				}
				for _, b := range bs {
					if got, err := readBackend(cl, b.Name, ""); err == nil {
						s.Backends[b.Name] = got
					} else {
						unreadable(api.KindBackends, b.Name)
					}
				}
			}
			if want[api.KindFrontends] {
				s.Frontends = map[string]api.Frontend{}
				_, fs, err := cl.GetFrontends("")
				if err != nil {
					return err
				}
				for _, f := range fs {
					if got, err := readFrontend(cl, f.Name, ""); err == nil {
						s.Frontends[f.Name] = got
					} else {
						unreadable(api.KindFrontends, f.Name)
					}
				}
			}
			if want[api.KindUserlists] {
				s.Userlists = map[string]api.Userlist{}
				_, us, err := cl.GetUserLists("")
				if err != nil {
					return err
				}
				for _, u := range us {
					if got, err := readUserlist(cl, u.Name, ""); err == nil {
						s.Userlists[u.Name] = got
					} else {
						unreadable(api.KindUserlists, u.Name)
					}
				}
			}
			return nil
		})
		if err != nil {
			return api.Snapshot{}, apiError("snapshot", err)
		}
		// As GetBackend: weights and admin states as HAProxy runs them.
		if err := m.overlayRuntimeAll(ctx, s.Backends); err != nil {
			return api.Snapshot{}, apiError("snapshot", err)
		}
	}
	if want[api.KindMaps] {
		names, err := m.mapNames()
		if err != nil {
			return api.Snapshot{}, apiError("snapshot", err)
		}
		s.Maps = map[string]api.Map{}
		s.MapsDir = m.opts.HAProxy.MapsDir
		for _, name := range names {
			mp, err := m.GetMap(ctx, name)
			switch {
			case err == nil:
				s.Maps[name] = mp
			case errors.Is(err, api.ErrNotFound):
				// Removed since the directory was listed: absent.
			default:
				unreadable(api.KindMaps, name)
			}
		}
	}
	return s, nil
}

// mapNames lists the maps directory: every `NAME.map` file whose NAME a
// single Get would accept. No directory: no maps.
func (m *Manager) mapNames() ([]string, error) {
	ents, err := os.ReadDir(m.opts.HAProxy.MapsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".map")
		if !ok || e.IsDir() || checkMapName(name) != nil {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}
