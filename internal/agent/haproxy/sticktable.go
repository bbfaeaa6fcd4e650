package haproxy

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// checkStickTable holds a table to the shared grammar before anything is
// queued; client-native would write most mistakes as they are, and the
// user would learn of them from `haproxy -c` at best.
func checkStickTable(lbl string, t *api.StickTable) error {
	if t == nil {
		return nil
	}
	bad := func(format string, args ...any) error {
		return api.Errorf(api.CodeInvalid, "%s: stick_table: %s", lbl, fmt.Sprintf(format, args...))
	}
	if !slices.Contains(grammar.StickTableTypes, t.Type) {
		return bad("type %q is not one of %s", t.Type, strings.Join(grammar.StickTableTypes, ", "))
	}
	if t.Size < 1 || t.Size > 1<<32-1 {
		return bad("size %d must be from 1 to 4294967295 entries", t.Size)
	}
	if t.Expire != nil && *t.Expire < 1 {
		return bad("expire must be at least 1 ms")
	}
	if t.KeyLength != nil {
		if !slices.Contains(grammar.StickTableKeyLengthTypes, t.Type) {
			return bad("key_length applies to the types %s only", strings.Join(grammar.StickTableKeyLengthTypes, ", "))
		}
		if *t.KeyLength < 1 {
			return bad("key_length must be at least 1")
		}
	}
	for _, s := range t.Store {
		if err := grammar.StickTableStore(s); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// stickTableModel is client-native's model of t; a table that keeps its
// contents across reloads names the agent's peers section.
func stickTableModel(t *api.StickTable) *models.ConfigStickTable {
	if t == nil {
		return nil
	}
	size := t.Size
	m := &models.ConfigStickTable{
		Type:   t.Type,
		Size:   &size,
		Expire: copyInt(t.Expire),
		Keylen: copyInt(t.KeyLength),
		Store:  strings.Join(t.Store, ","),
	}
	if t.KeepOnReload {
		m.Peers = api.PeersSection
	}
	return m
}

// stickTableFromModel reads a table back. A table naming another peers
// section (written by hand) does not keep on reload in Switchyard's terms:
// the difference shows in the plan.
func stickTableFromModel(m *models.ConfigStickTable) *api.StickTable {
	if m == nil {
		return nil
	}
	t := &api.StickTable{
		Type:         m.Type,
		Expire:       copyInt(m.Expire),
		KeyLength:    copyInt(m.Keylen),
		Store:        grammar.SplitStore(m.Store),
		KeepOnReload: m.Peers == api.PeersSection,
	}
	if m.Size != nil {
		t.Size = *m.Size
	}
	return t
}

// ensurePeers makes the local peers section exist when table keeps its
// contents across reloads. It is never removed: a peers section without
// tables costs one idle loopback listener, and removing it in the same
// reload as the last table would race a table that another change of the
// batch adds.
//
// The local peer is whatever the global `localpeer` says; when the file
// has none, the agent sets it, since HAProxy's default (the host name)
// changes with the machine and a reload after a rename would lose every
// table.
func ensurePeers(cl configuration.Configuration, tx string, table *api.StickTable) error {
	if table == nil || !table.KeepOnReload {
		return nil
	}
	_, g, err := cl.GetGlobalConfiguration(tx)
	if err != nil {
		return err
	}
	local := g.Localpeer
	if local == "" {
		local = api.LocalPeerName
		g.Localpeer = local
		if err := cl.PushGlobalConfiguration(g, tx, 0); err != nil {
			return err
		}
	}
	_, _, err = cl.GetPeerSection(api.PeersSection, tx)
	switch {
	case errors.Is(err, configuration.ErrObjectDoesNotExist):
		if err := peersPortFree(cl); err != nil {
			return err
		}
		if err := cl.CreatePeerSection(&models.PeerSection{Name: api.PeersSection}, tx, 0); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if _, _, err := cl.GetPeerEntry(local, api.PeersSection, tx); err == nil {
		return nil
	} else if !errors.Is(err, configuration.ErrObjectDoesNotExist) {
		return err
	}
	addr, port := api.PeersAddress, int64(api.PeersPort)
	return cl.CreatePeerEntry(api.PeersSection, &models.PeerEntry{Name: local, Address: &addr, Port: &port}, tx, 0)
}

// peersPortFree refuses a peers section whose port another process holds:
// the reload would fail to bind it (see checkNewBindsFree for what a failed
// reload costs). When the running configuration already has the section,
// HAProxy holds the port itself and nothing is probed.
func peersPortFree(cl configuration.Configuration) error {
	if _, _, err := cl.GetPeerSection(api.PeersSection, ""); err == nil {
		return nil
	}
	addr := net.JoinHostPort(api.PeersAddress, strconv.Itoa(api.PeersPort))
	if err := probeListen(addr); err != nil {
		return api.Errorf(api.CodeRejected,
			"stick tables keep their contents across reloads through a local peers section listening on %s, "+
				"and cannot listen there: %v. Free the port, or set keep_on_reload = false on the table", addr, err)
	}
	return nil
}
