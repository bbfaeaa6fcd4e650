package haproxy

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/haproxytech/client-native/v5/configuration"
	"github.com/haproxytech/client-native/v5/models"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// checkNewBindsFree makes sure that every port the transaction starts to
// listen on is free before the reload is tried. `haproxy -c` does not bind,
// so it passes a frontend on a port another process holds; the reload then
// fails, and while the new process tries, the running workers pause their
// listeners: the lab measured about two seconds of refused connections on
// every other frontend of the machine before the old configuration came
// back. Finding it here costs nothing of the kind: the change fails, naming
// the frontend and the address, and nothing is reloaded.
//
// Only ports that no bind of the running configuration uses are probed:
// those HAProxy holds itself (with SO_REUSEPORT, so a probe would see them
// taken), and whether a bind moves between frontends is HAProxy's business.
// Binds inside a network namespace and on UNIX sockets are left to the
// reload, which still restores the previous configuration if they fail.
func checkNewBindsFree(cl configuration.Configuration, tx string) error {
	running, err := bindPorts(cl, "")
	if err != nil {
		return err
	}
	next, err := bindsByFrontend(cl, tx)
	if err != nil {
		return err
	}
	for _, fb := range next {
		b := fb.bind
		if b.Namespace != "" || b.Port == nil || b.PortRangeEnd != nil || running[*b.Port] {
			continue
		}
		addr := b.Address
		if isWildcard(addr) {
			addr = ""
		}
		if err := probeListen(net.JoinHostPort(addr, strconv.FormatInt(*b.Port, 10))); err != nil {
			return api.Errorf(api.CodeRejected,
				"frontend %q: cannot listen on %s: %v. Another process on the machine holds it (or the address is not the machine's): "+
					"nothing was changed or reloaded", fb.frontend, bindText(b), err)
		}
	}
	return nil
}

// probeListen binds and releases addr as HAProxy would, without
// SO_REUSEPORT, so a port that anything else listens on shows as taken.
func probeListen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		var se *net.OpError
		if errors.As(err, &se) && errors.Is(se.Err, syscall.EADDRINUSE) {
			return fmt.Errorf("address already in use")
		}
		return err
	}
	return l.Close()
}

type frontendBind struct {
	frontend string
	bind     *models.Bind
}

// bindsByFrontend lists every frontend's binds in tx ("" for the file).
func bindsByFrontend(cl configuration.Configuration, tx string) ([]frontendBind, error) {
	_, frontends, err := cl.GetFrontends(tx)
	if err != nil {
		return nil, err
	}
	var out []frontendBind
	for _, f := range frontends {
		_, binds, err := cl.GetBinds(parentFrontend, f.Name, tx)
		if err != nil {
			return nil, err
		}
		for _, b := range binds {
			out = append(out, frontendBind{frontend: f.Name, bind: b})
		}
	}
	return out, nil
}

// bindPorts is the set of ports the binds in tx ("" for the file) use.
func bindPorts(cl configuration.Configuration, tx string) (map[int64]bool, error) {
	all, err := bindsByFrontend(cl, tx)
	if err != nil {
		return nil, err
	}
	ports := map[int64]bool{}
	for _, fb := range all {
		if fb.bind.Port == nil {
			continue
		}
		end := *fb.bind.Port
		if fb.bind.PortRangeEnd != nil {
			end = *fb.bind.PortRangeEnd
		}
		for p := *fb.bind.Port; p <= end; p++ {
			ports[p] = true
		}
	}
	return ports, nil
}
