package haproxy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// checkBindConflicts refuses a frontend whose binds take an address and
// port that another frontend already binds. `haproxy -c` accepts that, and
// HAProxy serves it, because every listener sets SO_REUSEPORT: the kernel
// then splits the port's new connections between the two frontends, and
// half the users silently get the other frontend's routing. It runs inside
// the transaction, after the frontend's own binds are written, so two
// frontends of one batch are checked against each other too.
//
// shared (the frontend's shared_binds) is the explicit way out, for someone
// who really wants two frontends on one port.
func checkBindConflicts(cl configuration.Configuration, name string, shared bool, tx string) error {
	if shared {
		return nil
	}
	all, err := bindsByFrontend(cl, tx)
	if err != nil {
		return err
	}
	for _, a := range all {
		if a.frontend != name {
			continue
		}
		for _, b := range all {
			if b.frontend != name && bindsOverlap(a.bind, b.bind) {
				return api.Errorf(api.CodeRejected,
					"frontend %q: bind %s is already bound by frontend %q (bind %s): HAProxy would accept both and "+
						"silently split the port's connections between the two frontends. Use another port or address, "+
						"or set shared_binds = true on %q if sharing the port is intended",
					name, bindText(a.bind), b.frontend, bindText(b.bind), name)
			}
		}
	}
	return nil
}

// bindsOverlap reports whether two bind lines listen on a common address
// and port in the same network namespace. A wildcard address (`*`, empty,
// 0.0.0.0, ::) overlaps every address of its port. Port ranges and host
// names are compared as written, which is enough for the lines Switchyard
// writes; an unrecognised form never counts as a conflict, so this check
// can only refuse what is certainly shared.
func bindsOverlap(a, b *models.Bind) bool {
	if a.Namespace != b.Namespace || a.Port == nil || b.Port == nil {
		return false
	}
	if !portsOverlap(*a.Port, a.PortRangeEnd, *b.Port, b.PortRangeEnd) {
		return false
	}
	if strings.HasPrefix(a.Address, "/") || strings.HasPrefix(b.Address, "/") {
		// UNIX sockets (and abstract or fd@ forms below) have no port.
		return false
	}
	wa, wb := isWildcard(a.Address), isWildcard(b.Address)
	if wa || wb {
		return true
	}
	pa, errA := netip.ParseAddr(a.Address)
	pb, errB := netip.ParseAddr(b.Address)
	if errA == nil && errB == nil {
		return pa.Unmap() == pb.Unmap()
	}
	return strings.EqualFold(a.Address, b.Address)
}

func portsOverlap(a int64, aEnd *int64, b int64, bEnd *int64) bool {
	hiA, hiB := a, b
	if aEnd != nil {
		hiA = *aEnd
	}
	if bEnd != nil {
		hiB = *bEnd
	}
	return a <= hiB && b <= hiA
}

func isWildcard(addr string) bool {
	return slices.Contains([]string{"", "*", "0.0.0.0", "::", "[::]"}, addr)
}

func bindText(b *models.Bind) string {
	s := fmt.Sprintf("%s:%d", b.Address, *b.Port)
	if b.PortRangeEnd != nil {
		s += fmt.Sprintf("-%d", *b.PortRangeEnd)
	}
	if b.Namespace != "" {
		s += " namespace " + b.Namespace
	}
	return s
}
