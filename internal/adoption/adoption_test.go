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
	"strings"
	"testing"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
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

	a.workspace(`
import {
  to = switchyard_haproxy.this
  id = "haproxy"
}
import {
  to = switchyard_frontend.http_in
  id = "http-in"
}
import {
  to = switchyard_backend.servers
  id = "servers"
}
`, map[string]lab.Machine{"": a.m})
	a.adopt(3, a.m)
	sameAnswers(t, before, answers(t, reqs, 6))

	// One change: app2 gets weight 5 (HAProxy's default is 1).
	a.change(a.m, func(gen string) string {
		return strings.Replace(gen, `name = "app2"`, `name = "app2", weight = 5`, 1)
	}, "- \tserver app2 127.0.0.1:8081\n+ \tserver app2 127.0.0.1:8081 weight 5")
	sameAnswers(t, before, answers(t, reqs, 6))
}
