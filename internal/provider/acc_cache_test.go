package provider

// Acceptance tests of switchyard_cache (issue 12). The caching backend
// uses the cache through its own first-class rules (`http_request`
// cache-use, `http_response` cache-store) and touches no header: whether a
// response may be stored is the origin's word, as in production. The origin
// is a second frontend on the same HAProxy (127.0.0.1:8163, in front of the
// lab app) that says Cache-Control max-age=60, or no-store under /nostore,
// since the lab app sends neither and HAProxy 2.6 stores only responses
// with an explicit lifetime or a validator. The caching frontend binds port
// 8162.

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// cacheCheckServed fetches path twice and checks whether the second answer
// came from HAProxy's cache: it then carries an Age header, which the lab
// app never sends, and the same body.
func cacheCheckServed(m lab.Machine, port int, path string, cached bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		url := feFrontendURL(m, port, path)
		st1, body1, hdr1, err := feFetch(url, "", "")
		if err != nil {
			return err
		}
		st2, body2, hdr2, err := feFetch(url, "", "")
		if err != nil {
			return err
		}
		if st1 != http.StatusOK || st2 != http.StatusOK || body1 != body2 || !strings.HasPrefix(body1, "lab-app ") {
			return fmt.Errorf("GET %s twice: %d %q, then %d %q", url, st1, body1, st2, body2)
		}
		if hdr1.Get("Age") != "" {
			return fmt.Errorf("GET %s: the first answer already has Age %q: a cache from an earlier run?", url, hdr1.Get("Age"))
		}
		// The origin's word reached the client: the verdict is HAProxy
		// honouring it, not a rule of the caching layer.
		want := "max-age=60"
		if strings.HasPrefix(path, "/nostore/") {
			want = "no-store"
		}
		if hdr1.Get("Cache-Control") != want {
			return fmt.Errorf("GET %s: Cache-Control %q, want the origin's %q", url, hdr1.Get("Cache-Control"), want)
		}
		if got := hdr2.Get("Age") != ""; got != cached {
			return fmt.Errorf("GET %s: the second answer has Age %q (from the cache: %t), want from the cache: %t (Cache-Control %q)",
				url, hdr2.Get("Age"), got, cached, hdr2.Get("Cache-Control"))
		}
		return nil
	}
}

func TestAccCache_basic(t *testing.T) {
	m := testMachine(t)
	cache := acctest.RandomWithPrefix("acc-cache")
	be := acctest.RandomWithPrefix("acc-cache")
	fe := acctest.RandomWithPrefix("acc-cache")
	const port, originPort = 8162, 8163
	run := acctest.RandString(6) // paths of their own: nothing cached by an earlier run
	cacheBlock := func(extra string) string {
		return fmt.Sprintf(`
resource "switchyard_cache" "static" {
  name           = %q
  total_max_size = 4
  max_age        = 60
  %s
}
`, cache, extra)
	}
	origin := fmt.Sprintf(`
resource "switchyard_backend" "origin" {
  name    = "%[4]s-origin"
  servers = %[2]s
}

resource "switchyard_frontend" "origin" {
  name            = "%[1]s-origin"
  binds           = [{ address = "127.0.0.1", port = %[3]d }]
  http_request    = ["set-var(txn.nostore) bool(true) if { path_beg /nostore }"]
  http_response   = [
    "set-header Cache-Control no-store if { var(txn.nostore) -m bool }",
    "set-header Cache-Control max-age=60 unless { var(txn.nostore) -m bool }",
  ]
  default_backend = switchyard_backend.origin.name
}
`, fe, labServers(8080), originPort, be)
	web := func(responses string) string {
		return fmt.Sprintf(`
resource "switchyard_backend" "web" {
  name          = %q
  servers       = [{ name = "origin", address = "127.0.0.1", port = %d }]
  http_request  = ["cache-use %s"]
  http_response = %s
  depends_on    = [switchyard_cache.static, switchyard_frontend.origin]
}

resource "switchyard_frontend" "web" {
  name            = %q
  binds           = [{ address = %q, port = %d }]
  default_backend = switchyard_backend.web.name
}
`, be, originPort, cache, responses, fe, m.Address, port)
	}
	rest := origin + web(fmt.Sprintf("[\"cache-store %s\"]", cache))
	base := providerBlock(m, "")
	config := base + cacheBlock("") + rest
	useOnly := base + cacheBlock("") + origin + web("[]")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(m, fe), feTestCheckFrontendGone(m, fe+"-origin"),
			testCheckBackendsGone(m, be, be+"-origin"), cacheCheckGone(m, cache)),
		Steps: []resource.TestStep{
			{
				Config:      base + cacheBlock("max_object_size = 3000000") + rest,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)switchyard_cache\.static.*` + words("max_object_size 3000000 is more than half of total_max_size")),
			},
			{
				Config: useOnly,
				Check: resource.ComposeAggregateTestCheckFunc(
					rlCheckConfigContains(m, fmt.Sprintf("\ncache %s\n  total-max-size 4\n  max-age 60\n", cache),
						"http-request cache-use "+cache+"\n"),
					// Nothing stores yet: cache-use alone never answers.
					cacheCheckServed(m, port, "/c/"+run+"/before", false),
				),
			},
			{
				// The backend's http_response stores; the origin's
				// no-store is honoured.
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					rlCheckConfigContains(m, "http-response cache-store "+cache+"\n"),
					cacheCheckServed(m, port, "/c/"+run+"/page", true),
					cacheCheckServed(m, port, "/nostore/"+run+"/page", false),
				),
			},
			{
				ResourceName:      "switchyard_backend.web",
				ImportState:       true,
				ImportStateId:     be,
				ImportStateVerify: true,
			},
			{
				ResourceName:      "switchyard_cache.static",
				ImportState:       true,
				ImportStateId:     cache,
				ImportStateVerify: true,
			},
			{
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						return feReplaceOnce(cfg, fmt.Sprintf("cache %s\n  total-max-size 4\n  max-age 60\n", cache),
							fmt.Sprintf("cache %s\n  total-max-size 4\n  max-age 30\n", cache))
					})
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				Check:  rlCheckConfigContains(m, fmt.Sprintf("\ncache %s\n  total-max-size 4\n  max-age 60\n", cache)),
			},
			{
				// Destroying the cache while the backend's rule uses it is
				// refused, naming the rules; the cache stays.
				Config: base + strings.Replace(rest, "switchyard_cache.static, ", "", 1),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Delete Cache") + `.*` +
					words(fmt.Sprintf(`backend "%s" http-request 0, backend "%s" http-response 0`, be, be))),
			},
			{
				Config: config,
				Check:  cacheCheckServed(m, port, "/c/"+run+"/again", true),
			},
		},
	})
}

// cacheCheckGone fails if a `cache name` section is in haproxy.cfg.
func cacheCheckGone(m lab.Machine, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		if strings.Contains(cfg, "\ncache "+name+"\n") {
			return fmt.Errorf("cache %s is still in haproxy.cfg on %s", name, m.Name)
		}
		return nil
	}
}
