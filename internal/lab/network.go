package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The lab's network: one bridge in the box's root namespace holding .1 of a
// private /24, and per machine a network namespace joined to the bridge by a
// veth, with the machine's address (.11, .12, …) and lo up. No default
// route and no forwarding: machines reach the box and each other, nothing
// else, and the box reaches them only on addresses the lab assigned.
const (
	bridgeName    = "swlab0"
	netnsRunDir   = "/run/netns"
	machineIfName = "eth0" // the machine's end of its veth
	firstHost     = 11     // machine i (1-based) gets .(10+i)
)

// subnetCandidates are tried in order; the first that overlaps no address
// or route on the box wins.
var subnetCandidates = []netip.Prefix{
	netip.MustParsePrefix("10.147.83.0/24"),
	netip.MustParsePrefix("10.147.84.0/24"),
	netip.MustParsePrefix("10.213.47.0/24"),
	netip.MustParsePrefix("172.30.147.0/24"),
	netip.MustParsePrefix("192.168.247.0/24"),
}

// ip invocations are serialised: the first `ip netns add` makes /run/netns
// a mount point, and two doing that at once stack two mounts.
var ipMu sync.Mutex

// pickSubnet returns the first candidate that overlaps nothing in used.
func pickSubnet(candidates, used []netip.Prefix) (netip.Prefix, error) {
next:
	for _, c := range candidates {
		for _, u := range used {
			if c.Overlaps(u) {
				continue next
			}
		}
		return c, nil
	}
	return netip.Prefix{}, fmt.Errorf("every lab subnet candidate overlaps an address or route on this box: %v", candidates)
}

// hostAddr is host number n of subnet p (n=1 → .1).
func hostAddr(p netip.Prefix, n int) netip.Addr {
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// machineAddr is the address of machine i (1-based).
func machineAddr(p netip.Prefix, i int) netip.Addr { return hostAddr(p, firstHost-1+i) }

// usedPrefixes lists every IPv4 address (as its subnet) and route, in every
// table, of the box's root namespace.
func usedPrefixes(ctx context.Context) ([]netip.Prefix, error) {
	addrs, err := runIP(ctx, "-j", "-4", "addr", "show")
	if err != nil {
		return nil, err
	}
	routes, err := runIP(ctx, "-j", "-4", "route", "show", "table", "all")
	if err != nil {
		return nil, err
	}
	a, err := parseIPAddrJSON(addrs)
	if err != nil {
		return nil, err
	}
	r, err := parseIPRouteJSON(routes)
	if err != nil {
		return nil, err
	}
	return append(a, r...), nil
}

// parseIPAddrJSON reads `ip -j addr show` into the subnets of its addresses.
func parseIPAddrJSON(b []byte) ([]netip.Prefix, error) {
	var links []struct {
		AddrInfo []struct {
			Local     string `json:"local"`
			PrefixLen int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal(b, &links); err != nil {
		return nil, fmt.Errorf("parse `ip -j addr`: %w", err)
	}
	var out []netip.Prefix
	for _, l := range links {
		for _, ai := range l.AddrInfo {
			a, err := netip.ParseAddr(ai.Local)
			if err != nil {
				continue
			}
			if p, err := a.Prefix(ai.PrefixLen); err == nil {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// parseIPRouteJSON reads `ip -j route show` into route destinations. The
// default route is skipped: it overlaps everything and says nothing about
// which addresses are taken.
func parseIPRouteJSON(b []byte) ([]netip.Prefix, error) {
	var routes []struct {
		Dst string `json:"dst"`
	}
	if err := json.Unmarshal(b, &routes); err != nil {
		return nil, fmt.Errorf("parse `ip -j route`: %w", err)
	}
	var out []netip.Prefix
	for _, r := range routes {
		if r.Dst == "" || r.Dst == "default" {
			continue
		}
		if p, err := netip.ParsePrefix(r.Dst); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(r.Dst); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}

// runIP runs ip(8) with an argument list (never a shell) and returns stdout.
func runIP(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

func netnsExists(name string) bool {
	_, err := os.Stat(netnsRunDir + "/" + name)
	return err == nil
}

func createBridge(ctx context.Context, name string, addr netip.Prefix) error {
	ipMu.Lock()
	defer ipMu.Unlock()
	for _, args := range [][]string{
		{"link", "add", name, "type", "bridge"},
		{"addr", "add", addr.String(), "dev", name},
		{"link", "set", name, "up"},
	} {
		if _, err := runIP(ctx, args...); err != nil {
			return fmt.Errorf("create bridge %s: %w", name, err)
		}
	}
	return nil
}

func deleteBridge(ctx context.Context, name string) error {
	if name == "" || !linkExists(name) {
		return nil
	}
	ipMu.Lock()
	defer ipMu.Unlock()
	if _, err := runIP(ctx, "link", "del", name); err != nil {
		return fmt.Errorf("delete bridge: %w", err)
	}
	return nil
}

// createMachineNet gives machine mr its namespace, veth and address.
func createMachineNet(ctx context.Context, mr *machineRecord, bridge string, bits int) error {
	ipMu.Lock()
	defer ipMu.Unlock()
	addr := netip.PrefixFrom(netip.MustParseAddr(mr.Address), bits)
	for _, args := range [][]string{
		{"netns", "add", mr.Netns},
		{"-n", mr.Netns, "link", "set", "lo", "up"},
		{"link", "add", mr.Veth, "type", "veth", "peer", "name", machineIfName, "netns", mr.Netns},
		{"link", "set", mr.Veth, "master", bridge, "up"},
		{"-n", mr.Netns, "addr", "add", addr.String(), "dev", machineIfName},
		{"-n", mr.Netns, "link", "set", machineIfName, "up"},
	} {
		if _, err := runIP(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// deleteMachineNet removes the namespace (which takes the veth pair with
// it) and then the host end, should it have survived.
func deleteMachineNet(ctx context.Context, mr *machineRecord) error {
	ipMu.Lock()
	defer ipMu.Unlock()
	if mr.Netns != "" && netnsExists(mr.Netns) {
		if _, err := runIP(ctx, "netns", "del", mr.Netns); err != nil {
			return err
		}
		// The kernel frees the namespace, and the veth pair with it,
		// asynchronously: give it a moment before deleting by hand.
		for deadline := time.Now().Add(3 * time.Second); linkExists(mr.Veth) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if mr.Veth != "" && linkExists(mr.Veth) {
		if _, err := runIP(ctx, "link", "del", mr.Veth); err != nil && linkExists(mr.Veth) {
			return err
		}
	}
	return nil
}

// releaseNetnsRunDir undoes what the lab's first `ip netns add` did to
// /run/netns (a self bind mount), but only once no namespace is left in it.
func releaseNetnsRunDir() error {
	ipMu.Lock()
	defer ipMu.Unlock()
	entries, err := os.ReadDir(netnsRunDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || len(entries) > 0 {
		return nil // someone else's namespaces: leave the directory alone
	}
	for i := 0; i < 5 && isMountPoint(netnsRunDir); i++ {
		if err := syscall.Unmount(netnsRunDir, 0); err != nil {
			return fmt.Errorf("umount %s: %w", netnsRunDir, err)
		}
	}
	_ = syscall.Rmdir(netnsRunDir)
	return nil
}
