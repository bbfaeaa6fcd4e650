package lab

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestPickSubnet(t *testing.T) {
	cands := prefixes("10.147.83.0/24", "10.147.84.0/24", "172.30.147.0/24")
	tests := []struct {
		name    string
		used    []netip.Prefix
		want    string
		wantErr bool
	}{
		{name: "free box", used: prefixes("127.0.0.0/8", "192.0.2.0/24"), want: "10.147.83.0/24"},
		{name: "same subnet taken", used: prefixes("10.147.83.0/24"), want: "10.147.84.0/24"},
		{name: "host route inside", used: prefixes("10.147.83.77/32"), want: "10.147.84.0/24"},
		{name: "wider net covers two", used: prefixes("10.147.0.0/16"), want: "172.30.147.0/24"},
		{name: "all taken", used: prefixes("10.0.0.0/8", "172.16.0.0/12"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pickSubnet(cands, tt.used)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestAddresses(t *testing.T) {
	p := netip.MustParsePrefix("10.147.83.0/24")
	if got := hostAddr(p, 1).String(); got != "10.147.83.1" {
		t.Errorf("gateway = %s", got)
	}
	var got []string
	for i := 1; i <= 3; i++ {
		got = append(got, machineAddr(p, i).String())
	}
	if d := cmp.Diff([]string{"10.147.83.11", "10.147.83.12", "10.147.83.13"}, got); d != "" {
		t.Errorf("machine addresses (-want +got):\n%s", d)
	}
	if got := machineAddr(p, MaxMachines); !p.Contains(got) || got == hostAddr(p, 255) {
		t.Errorf("machine %d gets %s, outside the usable /24", MaxMachines, got)
	}
}

func TestParseIPJSON(t *testing.T) {
	addrJSON := `[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
	  {"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24}]},
	  {"ifindex":3,"ifname":"ifb0","addr_info":[]}]`
	got, err := parseIPAddrJSON([]byte(addrJSON))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(prefixes("127.0.0.0/8", "192.0.2.0/24"), got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); d != "" {
		t.Errorf("addresses (-want +got):\n%s", d)
	}

	routeJSON := `[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":[]},
	  {"dst":"192.0.2.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.0.2.2","flags":[]},
	  {"type":"local","dst":"127.0.0.0/8","dev":"lo","table":"local"},
	  {"type":"local","dst":"192.0.2.2","dev":"eth0","table":"local"}]`
	got, err = parseIPRouteJSON([]byte(routeJSON))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(prefixes("192.0.2.0/24", "127.0.0.0/8", "192.0.2.2/32"), got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); d != "" {
		t.Errorf("routes (-want +got):\n%s", d)
	}
}
