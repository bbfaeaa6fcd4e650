// Package adoption holds the acceptance tests that adopt machines someone
// configured by hand: each of the article's five haproxy.cfg listings
// (../shared/seed/article.txt, addresses adapted to the lab) is written on a
// lab machine, imported with the real terraform CLI and
// `-generate-config-out`, and must come out as a plan with nothing but
// imports, an apply with no reload and no byte of haproxy.cfg changed, the
// same answers to the same requests, and then one change through Terraform
// that rewrites only its own lines.
package adoption

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/GehirnInc/crypt/sha512_crypt"
)

// The lab's adaptation of every listing: HAProxy's admin socket, which
// Switchyard's runtime changes use (maps, server state), is added to
// global; everything else is as the article writes it.
const adminSocket = "\tstats socket /run/haproxy/admin.sock mode 660 level admin\n"

// Listing 1: round robin over three instances of a slow app on one machine.
func TestAccAdopt_RoundRobin(t *testing.T) {
	a := newAdoption(t)
	cfg := "global\n\tdaemon\n\tmaxconn 256\n" + adminSocket +
		"\ndefaults\n\tmode http\n\n" +
		"frontend http-in\n\tbind *:80\n\tdefault_backend servers\n\n" +
		"backend servers\n\tbalance roundrobin\n" +
		"\tserver app1 127.0.0.1:8080\n\tserver app2 127.0.0.1:8081\n\tserver app3 127.0.0.1:8082\n"
	a.handWrite(a.m, cfg)
	reqs := []request{{url: fmt.Sprintf("http://%s/", a.m.Address)}}
	before := answers(t, reqs, 6)
	if len(before[reqs[0].url+" as "]) != 3 {
		t.Fatalf("the hand-written round robin does not serve three instances: %q", before)
	}

	a.workspace(a.m)
	a.adopt([]string{"switchyard_haproxy.haproxy", "switchyard_frontend.http-in", "switchyard_backend.servers"}, a.m)
	sameAnswers(t, before, answers(t, reqs, 6))

	// One change: app2 gets weight 5 (HAProxy's default is 1).
	a.change(a.m, func(gen string) string {
		return setServer(gen, "servers", "app2", "weight", "5")
	}, "- \tserver app2 127.0.0.1:8081\n+ \tserver app2 127.0.0.1:8081 weight 5")
	sameAnswers(t, before, answers(t, reqs, 6))
}

// Listing 2: one app in a namespace made by hand (`ip netns add`, loopback
// up, as the article does it), run by a unit file written by hand (the
// article's systemd-run line, written down so it survives), reached by
// HAProxy's `namespace` keyword.
func TestAccAdopt_Namespace(t *testing.T) {
	a := newAdoption(t)
	a.namespacedApp(a.m, "my-new-namespace", "directory-server")
	cfg := "global\n\tdaemon\n\tmaxconn 256\n" + adminSocket +
		"\ndefaults\n\tmode http\n\n" +
		"frontend http-in\n\tbind *:80\n\tdefault_backend servers\n\n" +
		"backend servers\n\tserver directory-server 127.0.0.1:8000 namespace my-new-namespace\n"
	a.handWrite(a.m, cfg)
	reqs := []request{{url: fmt.Sprintf("http://%s/", a.m.Address)}}
	before := answers(t, reqs, 3)
	if want := fmt.Sprintf("200 lab-app 8000 on %s path=/", a.m.Name); !slices.Equal(before[reqs[0].url+" as "], []string{want}) {
		t.Fatalf("the hand-written namespaced app answers %q, want %q", before, want)
	}

	a.workspace(a.m)
	gen := a.adopt([]string{"switchyard_haproxy.haproxy", "switchyard_frontend.http-in", "switchyard_backend.servers",
		"switchyard_namespace.my-new-namespace", "switchyard_service.directory-server"}, a.m)
	// Adopted as it is: no boot unit of Switchyard's, still root.
	for _, want := range []string{`boot = false`, `user  = "root"`} {
		if !strings.Contains(strings.Join(strings.Fields(gen), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("generated.tf lacks %s", want)
		}
	}
	if out := a.sh(a.m, "systemctl is-enabled switchyard-netns@my-new-namespace.service || true"); strings.TrimSpace(out) == "enabled" {
		t.Errorf("the adoption enabled a boot unit for the hand-made namespace")
	}
	sameAnswers(t, before, answers(t, reqs, 3))

	a.change(a.m, func(gen string) string {
		return setServer(gen, "servers", "directory-server", "weight", "5")
	}, "- \tserver directory-server 127.0.0.1:8000 namespace my-new-namespace\n+ \tserver directory-server 127.0.0.1:8000 namespace my-new-namespace weight 5")
	sameAnswers(t, before, answers(t, reqs, 3))
}

// Listing 3: path routing, /app3 and /app4 to two apps on a second machine
// (Machine B = swlab-2, whose apps listen on its lab address), the rest to
// the namespaced app of listing 2.
func TestAccAdopt_PathRouting(t *testing.T) {
	a := newAdoption(t)
	b := a.lab.Machines[1]
	a.namespacedApp(a.m, "my-new-namespace", "directory-server")
	a.transientApp(b, "adopt-app3", 18080, b.Address)
	a.transientApp(b, "adopt-app4", 18081, b.Address)
	cfg := "global\n\tdaemon\n\tmaxconn 256\n" + adminSocket +
		"\ndefaults\n\tmode http\n\n" +
		"frontend http-in\n\tbind *:80\n" +
		"\tacl is_app3 path_beg /app3\n\tacl is_app4 path_beg /app4\n" +
		"\tuse_backend app3 if is_app3\n\tuse_backend app4 if is_app4\n" +
		"\tdefault_backend default\n\n" +
		"backend app3\n\tserver app3 " + b.Address + ":18080\n\n" +
		"backend app4\n\tserver app4 " + b.Address + ":18081\n\n" +
		"backend default\n\tserver default 127.0.0.1:8000 namespace my-new-namespace\n"
	a.handWrite(a.m, cfg)
	base := fmt.Sprintf("http://%s", a.m.Address)
	reqs := []request{{url: base + "/app3/x"}, {url: base + "/app4/y"}, {url: base + "/other"}}
	before := answers(t, reqs, 2)
	for _, r := range reqs {
		if len(before[r.url+" as "]) != 1 || !strings.HasPrefix(before[r.url+" as "][0], "200 ") {
			t.Fatalf("the hand-written path routing answers %q", before)
		}
	}

	a.workspace(a.m)
	a.adopt([]string{"switchyard_haproxy.haproxy", "switchyard_frontend.http-in", "switchyard_backend.app3", "switchyard_backend.app4",
		"switchyard_backend.default", "switchyard_namespace.my-new-namespace", "switchyard_service.directory-server"}, a.m)
	sameAnswers(t, before, answers(t, reqs, 2))

	// One change: app4 moves to the port app3 listens on.
	a.change(a.m, func(gen string) string {
		return setServer(gen, "app4", "app4", "port", "18080")
	}, "- \tserver app4 "+b.Address+":18081\n+ \tserver app4 "+b.Address+":18080")
	after := answers(t, reqs[1:2], 2)
	if got := after[reqs[1].url+" as "]; len(got) != 1 || !strings.Contains(got[0], "lab-app 18080 on "+b.Name) {
		t.Errorf("after the change /app4 answers %q, want app3's instance", got)
	}
}

// Listing 4: layered proxies. Machine B (swlab-2) runs its own HAProxy,
// bound to its private address, routing into its own namespace; Machine A
// (swlab-3) routes /remote to B's HAProxy with a port-less server line.
// Both machines are adopted in one configuration, one provider each.
func TestAccAdopt_Layered(t *testing.T) {
	a := newAdoption(t)
	b := a.lab.Machines[1]
	a.namespacedApp(a.m, "my-new-namespace", "directory-server")
	a.namespacedApp(b, "machine-B-namespace", "machine-b-app")
	a.handWrite(b, "global\n\tdaemon\n\tmaxconn 256\n"+adminSocket+
		"\ndefaults\n\tmode http\n\n"+
		"frontend http-in\n\tbind "+b.Address+":80\n\tdefault_backend default\n\n"+
		"backend default\n\tserver default 127.0.0.1:8000 namespace machine-B-namespace\n")
	a.handWrite(a.m, "global\n\tdaemon\n\tmaxconn 256\n"+adminSocket+
		"\ndefaults\n\tmode http\n\n"+
		"frontend http-in\n\tbind *:80\n\tacl is_remote path_beg /remote\n\tuse_backend remote if is_remote\n\tdefault_backend default\n\n"+
		"backend remote\n\tserver remote "+b.Address+"\n\n"+
		"backend default\n\tserver default 127.0.0.1:8000 namespace my-new-namespace\n")
	base := fmt.Sprintf("http://%s", a.m.Address)
	reqs := []request{{url: base + "/remote/some/resource"}, {url: base + "/"}}
	before := answers(t, reqs, 2)
	if got := before[reqs[0].url+" as "]; len(got) != 1 || !strings.Contains(got[0], "lab-app 8000 on "+b.Name) {
		t.Fatalf("/remote through the hand-written layers answers %q", got)
	}

	// One configuration per machine, as the modules in examples/ are.
	a.workspace(b)
	a.adopt([]string{"switchyard_haproxy.haproxy", "switchyard_frontend.http-in", "switchyard_backend.default",
		"switchyard_namespace.machine-B-namespace", "switchyard_service.machine-b-app"}, a.m, b)
	wb := a.w
	a.workspace(a.m)
	a.adopt([]string{"switchyard_haproxy.haproxy", "switchyard_frontend.http-in", "switchyard_backend.remote",
		"switchyard_backend.default", "switchyard_namespace.my-new-namespace", "switchyard_service.directory-server"}, a.m, b)
	sameAnswers(t, before, answers(t, reqs, 2))

	// One change on Machine B only: its server gets weight 5.
	a.w = wb
	a.change(b, func(gen string) string {
		return setServer(gen, "default", "default", "weight", "5")
	}, "- \tserver default 127.0.0.1:8000 namespace machine-B-namespace\n+ \tserver default 127.0.0.1:8000 namespace machine-B-namespace weight 5")
	sameAnswers(t, before, answers(t, reqs, 2))
}

// Listing 5: routing by identity. Basic auth against a userlist with
// insecure-password users, exactly as the article writes them; the
// authenticated user name looked up in a map file picks the backend. The
// deluxe backend is a port-less server on Machine B (an app on
// swlab-2's :80), the default one an app on 127.0.0.1:8000.
func TestAccAdopt_Deluxe(t *testing.T) {
	a := newAdoption(t)
	b := a.lab.Machines[1]
	a.transientApp(a.m, "adopt-default", 8000, "127.0.0.1")
	a.transientApp(b, "adopt-deluxe", 80, b.Address)
	a.sh(a.m, "mkdir -p /etc/haproxy/maps")
	if err := a.m.WriteFile(a.ctx, "/etc/haproxy/maps/deluxe.map", []byte("vip deluxe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a.handWrite(a.m, "global\n\tdaemon\n\tmaxconn 256\n"+adminSocket+
		"\ndefaults\n\tmode http\n\n"+
		"frontend http-in\n\tbind *:80\n"+
		"\thttp-request auth unless { http_auth(mycredentials) }\n"+
		"\tuse_backend %[http_auth_group(mycredentials),map(/etc/haproxy/maps/deluxe.map,default)]\n\n"+
		"backend deluxe\n\tserver remote "+b.Address+"\n\n"+
		"backend default\n\tserver default 127.0.0.1:8000\n\n"+
		"userlist mycredentials\n\tuser vip insecure-password ipaygoodmoneyforthis\n\tuser john insecure-password somePassword\n",
		"rm -f /etc/haproxy/maps/deluxe.map")
	url := fmt.Sprintf("http://%s/", a.m.Address)
	reqs := []request{{url: url}, {url: url, user: "vip", pass: "ipaygoodmoneyforthis"}, {url: url, user: "john", pass: "somePassword"}}
	before := answers(t, reqs, 2)
	want := map[string]string{
		url + " as ":     "401 ",
		url + " as vip":  "200 lab-app 80 on " + b.Name,
		url + " as john": "200 lab-app 8000 on " + a.m.Name,
	}
	for k, prefix := range want {
		if got := before[k]; len(got) != 1 || !strings.HasPrefix(got[0], prefix) {
			t.Fatalf("%s: the hand-written deluxe routing answers %q, want %q…", k, got, prefix)
		}
	}

	a.workspace(a.m)
	gen := a.adopt([]string{"switchyard_haproxy.haproxy", "switchyard_frontend.http-in", "switchyard_backend.deluxe",
		"switchyard_backend.default", "switchyard_userlist.mycredentials", "switchyard_map.deluxe"}, a.m)
	for _, secret := range []string{"ipaygoodmoneyforthis", "somePassword"} {
		if strings.Contains(gen, secret) {
			t.Errorf("generated.tf holds the plaintext %q", secret)
		}
		state := a.stateJSON()
		if strings.Contains(state, secret) {
			t.Errorf("the state holds the plaintext %q", secret)
		}
	}
	sameAnswers(t, before, answers(t, reqs, 2))

	// One change: john moves to the deluxe backend through the map.
	a.change(a.m, func(gen string) string {
		return strings.Replace(gen, `vip = "deluxe"`, "john = \"deluxe\"\n    vip = \"deluxe\"", 1)
	}, "")
	after := answers(t, reqs[2:], 2)
	if got := after[url+" as john"]; len(got) != 1 || !strings.HasPrefix(got[0], "200 lab-app 80 on "+b.Name) {
		t.Errorf("after the change john gets %q, want the deluxe backend", got)
	}
	if got := a.sh(a.m, "cat /etc/haproxy/maps/deluxe.map"); !strings.Contains(got, "john deluxe") || !strings.Contains(got, "vip deluxe") {
		t.Errorf("deluxe.map after the change:\n%s", got)
	}

	// The insecure-password conversion the plan's warning asks for: vip
	// gets a crypt hash; only vip's line changes, to a hash, and basic
	// auth still takes the password.
	h, err := sha512_crypt.New().Generate([]byte("ipaygoodmoneyforthis"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a.change(a.m, func(gen string) string {
		gen = setIn(gen, "switchyard_userlist", "mycredentials", "vip", "insecure_password", "null")
		return setIn(gen, "switchyard_userlist", "mycredentials", "vip", "password_hash", fmt.Sprintf("%q", h))
	}, "- \tuser vip insecure-password ipaygoodmoneyforthis\n+ \tuser vip password "+h)
	if got := answers(t, reqs[1:2], 2)[url+" as vip"]; len(got) != 1 || !strings.HasPrefix(got[0], "200 lab-app 80 on "+b.Name) {
		t.Errorf("vip after the conversion to a hash gets %q, want the deluxe backend", got)
	}
	// The plaintext never reached Terraform's state nor the machine's logs.
	logs := a.sh(a.m, "journalctl --no-pager -q 2>/dev/null; cat /run/switchyard/*.jsonl 2>/dev/null; true")
	for _, secret := range []string{"ipaygoodmoneyforthis", "somePassword"} {
		if strings.Contains(a.stateJSON(), secret) || strings.Contains(logs, secret) {
			t.Errorf("the plaintext %q is in the state or the machine's logs", secret)
		}
	}
}
