package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// inventory answers MethodInventory in one request: HAProxy's objects from
// the manager, namespaces and services from their own managers, each by the
// same rules their resources' imports apply.
func (s *Server) inventory(_ context.Context, _ json.RawMessage) (any, error) {
	m, err := s.manager()
	if err != nil {
		return nil, err
	}
	inv, err := m.Inventory()
	if err != nil {
		return nil, err
	}
	ns, nsBad, err := s.namespaces.Inventory()
	if err != nil {
		return nil, err
	}
	svc, svcBad, err := s.services.Inventory()
	if err != nil {
		return nil, err
	}
	inv.Namespaces, inv.Services = ns, svc
	inv.Unsupported = append(append(inv.Unsupported, nsBad...), svcBad...)
	for _, l := range []*[]string{&inv.Frontends, &inv.Backends, &inv.Userlists, &inv.Caches, &inv.Certificates,
		&inv.Maps, &inv.MapEntries, &inv.Namespaces, &inv.Services} {
		if *l == nil {
			*l = []string{}
		}
	}
	if inv.Unsupported == nil {
		inv.Unsupported = []api.InventoryItem{}
	}
	// By kind, keeping each kind's own (sorted, file) order.
	slices.SortStableFunc(inv.Unsupported, func(a, b api.InventoryItem) int { return cmp.Compare(a.Kind, b.Kind) })
	return inv, nil
}
