package provider

// Acceptance tests of switchyard_frontend and switchyard_userlist: real
// terraform, real HTTP to the frontends the tests create. The lab's own
// `frontend lab` binds :8090, so every test binds the machine's address on a
// port of its own in 8100-8199.

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// feFrontendURL is the address of a test frontend bound on m.
func feFrontendURL(m lab.Machine, port int, path string) string {
	return fmt.Sprintf("http://%s:%d%s", m.Address, port, path)
}

// feFetch makes one request on a new connection; user "" sends no credentials.
func feFetch(url, user, pass string) (status int, body string, hdr http.Header, err error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", nil, err
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }() // only read
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b), resp.Header, err
}

// feTestCheckAnswers checks that GET url (with credentials) gets status and,
// for a 200, an answer from a lab app on the given port and machine.
func feTestCheckAnswers(url, user, pass string, status, port int, machine string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, body, _, err := feFetch(url, user, pass)
		if err != nil {
			return err
		}
		if got != status {
			return fmt.Errorf("GET %s as %q: status %d, want %d (body %q)", url, user, got, status, body)
		}
		if status != http.StatusOK {
			return nil
		}
		want := fmt.Sprintf("lab-app %d on %s ", port, machine)
		if !strings.HasPrefix(body, want) {
			return fmt.Errorf("GET %s as %q: answer %q, want one starting with %q", url, user, body, want)
		}
		return nil
	}
}

// feTestCheckRoundRobin sends 12 requests and checks which app ports answered.
func feTestCheckRoundRobin(m lab.Machine, port int, wantPorts ...int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		counts := map[int]int{}
		for i := range 12 {
			url := feFrontendURL(m, port, fmt.Sprintf("/rr/%d", i))
			status, body, _, err := feFetch(url, "", "")
			if err != nil {
				return err
			}
			match := labAppBody.FindStringSubmatch(body)
			if status != http.StatusOK || match == nil || match[2] != m.Name {
				return fmt.Errorf("GET %s: %d %q", url, status, body)
			}
			p, err := strconv.Atoi(match[1])
			if err != nil {
				return err
			}
			counts[p]++
		}
		var got []int
		for p := range counts {
			got = append(got, p)
		}
		slices.Sort(got)
		if diff := cmp.Diff(wantPorts, got); diff != "" {
			return fmt.Errorf("apps that answered 12 requests (-want +got):\n%s(counts: %v)", diff, counts)
		}
		return nil
	}
}

func TestAccFrontend_roundRobin(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-fe-rr")
	fe := acctest.RandomWithPrefix("acc-fe-rr")
	const port = 8101
	config := providerBlock(m, "") + backendBlock("web", be, "", 8080, 8081, 8082) + fmt.Sprintf(`
resource "switchyard_frontend" "web" {
  name            = %q
  maxconn         = 500
  forwardfor      = true
  httplog         = true
  binds           = [{ address = %q, port = %d }]
  default_backend = switchyard_backend.web.name
}
`, fe, m.Address, port)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             feTestCheckFrontendGone(m, fe),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  feTestCheckRoundRobin(m, port, 8080, 8081, 8082),
			},
			{
				ResourceName:      "switchyard_frontend.web",
				ImportState:       true,
				ImportStateId:     fe,
				ImportStateVerify: true,
			},
		},
	})
}

func TestAccFrontend_pathRouting(t *testing.T) {
	m := testMachine(t)
	def := acctest.RandomWithPrefix("acc-fe-def")
	app3 := acctest.RandomWithPrefix("acc-fe-app3")
	fe := acctest.RandomWithPrefix("acc-fe-path")
	const port = 8102
	config := providerBlock(m, "") + backendBlock("def", def, "", 8080) + backendBlock("app3", app3, "", 8082) + fmt.Sprintf(`
resource "switchyard_frontend" "web" {
  name  = %q
  binds = [{ address = %q, port = %d }]
  acls  = ["is_app3   path_beg /app3"]
  use_backend = [
    { backend = switchyard_backend.app3.name, cond = "if", cond_test = "is_app3" },
  ]
  default_backend = switchyard_backend.def.name
}
`, fe, m.Address, port)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             feTestCheckFrontendGone(m, fe),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckAnswers(feFrontendURL(m, port, "/app3/page"), "", "", 200, 8082, m.Name),
					feTestCheckAnswers(feFrontendURL(m, port, "/other"), "", "", 200, 8080, m.Name),
					// The user's spelling (three spaces) is kept: no diff.
					resource.TestCheckResourceAttr("switchyard_frontend.web", "acls.0", "is_app3   path_beg /app3"),
				),
			},
			{
				// A hand edit of a managed rule is drift.
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						return feReplaceOnce(cfg, "acl is_app3 path_beg /app3", "acl is_app3 path_beg /elsewhere")
					})
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				Check:  feTestCheckAnswers(feFrontendURL(m, port, "/app3/page"), "", "", 200, 8082, m.Name),
			},
		},
	})
}

func feReplaceOnce(s, old, repl string) (string, error) {
	if strings.Count(s, old) != 1 {
		return "", fmt.Errorf("%q occurs %d times", old, strings.Count(s, old))
	}
	return strings.Replace(s, old, repl, 1), nil
}

func TestAccFrontend_basicAuth(t *testing.T) {
	m := testMachine(t)
	std := acctest.RandomWithPrefix("acc-fe-std")
	deluxe := acctest.RandomWithPrefix("acc-fe-deluxe")
	ul := acctest.RandomWithPrefix("acc-ul")
	fe := acctest.RandomWithPrefix("acc-fe-auth")
	const port = 8103
	// Unique per run, so finding it anywhere can only mean a leak.
	vipPass := acctest.RandomWithPrefix("vip-secret")
	johnPass := acctest.RandomWithPrefix("john-secret")
	johnHash, err := sha512_crypt.New().Generate([]byte(johnPass), nil)
	if err != nil {
		t.Fatal(err)
	}
	config := func(version int) string {
		return providerBlock(m, "") + backendBlock("std", std, "", 8080) + backendBlock("deluxe", deluxe, "", 8081) + fmt.Sprintf(`
resource "switchyard_userlist" "members" {
  name   = %q
  groups = ["gold"]
  users = [
    { name = "vip", groups = ["gold"], password_wo = %q, password_wo_version = %d },
    { name = "john", password_hash = %q },
  ]
}

resource "switchyard_frontend" "web" {
  name  = %q
  binds = [{ address = %q, port = %d }]
  acls  = ["is_gold http_auth_group(${switchyard_userlist.members.name}) gold"]
  http_request = [
    "auth realm switchyard unless { http_auth(${switchyard_userlist.members.name}) }",
  ]
  use_backend     = [{ backend = switchyard_backend.deluxe.name, cond = "if", cond_test = "is_gold" }]
  default_backend = switchyard_backend.std.name
}
`, ul, vipPass, version, johnHash, fe, m.Address, port)
	}
	url := feFrontendURL(m, port, "/members")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             feTestCheckFrontendGone(m, fe),
		Steps: []resource.TestStep{
			{
				Config: config(1),
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckChallenge(url, "switchyard"),
					feTestCheckAnswers(url, "vip", "wrong", 401, 0, ""),
					feTestCheckAnswers(url, "vip", vipPass, 200, 8081, m.Name),
					feTestCheckAnswers(url, "john", johnPass, 200, 8080, m.Name),
					feTestCheckNoSecret(m, vipPass),
					// It holds password hashes now: not for every account.
					testCheckConfigPerm(m, "640 root:haproxy"),
				),
			},
			{
				// Rotation: a new version with a new password.
				Config: strings.Replace(config(2), vipPass, vipPass+"-2", 1),
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckAnswers(url, "vip", vipPass, 401, 0, ""),
					feTestCheckAnswers(url, "vip", vipPass+"-2", 200, 8081, m.Name),
					feTestCheckNoSecret(m, vipPass+"-2"),
				),
			},
		},
	})
}

// feTestCheckChallenge checks that a request without credentials gets a 401
// with a Basic challenge for realm.
func feTestCheckChallenge(url, realm string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		status, body, hdr, err := feFetch(url, "", "")
		if err != nil {
			return err
		}
		want := fmt.Sprintf(`Basic realm="%s"`, realm)
		if status != http.StatusUnauthorized || hdr.Get("WWW-Authenticate") != want {
			return fmt.Errorf("GET %s without credentials: %d, WWW-Authenticate %q, want 401 and %q (body %q)",
				url, status, hdr.Get("WWW-Authenticate"), want, body)
		}
		return nil
	}
}

// feTestCheckNoSecret fails when secret is in any attribute of the state or
// in haproxy.cfg on the machine.
func feTestCheckNoSecret(m lab.Machine, secret string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				if strings.Contains(v, secret) {
					return fmt.Errorf("the plaintext password is in the state: %s.%s", addr, k)
				}
			}
		}
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		if strings.Contains(cfg, secret) {
			return fmt.Errorf("the plaintext password is in %s on %s", labConfigFile, m.Name)
		}
		return nil
	}
}

func TestAccFrontend_layered(t *testing.T) {
	l := testLab(t)
	if len(l.Machines) < 2 {
		t.Fatalf("the layered test needs two lab machines, the lab has %d", len(l.Machines))
	}
	a, b := l.Machines[0], l.Machines[1]
	bApp := acctest.RandomWithPrefix("acc-b-app")
	bFe := acctest.RandomWithPrefix("acc-b-fe")
	aLocal := acctest.RandomWithPrefix("acc-a-local")
	aRemote := acctest.RandomWithPrefix("acc-a-remote")
	aFe := acctest.RandomWithPrefix("acc-a-fe")
	const bPort, aPort = 8104, 8105
	// Machine B's provider block is a second provider *name*, not an alias:
	// the in-process provider server that terraform-plugin-testing starts
	// is shared by all configurations of one name, and the framework keeps
	// one ConfigureProvider result per server, so with aliases the last
	// configured machine would get every resource.
	bBlock := strings.Replace(providerBlock(b, ""), `provider "switchyard" {`, `provider "switchyardb" {`, 1)
	config := providerBlock(a, "") + bBlock + fmt.Sprintf(`
resource "switchyard_backend" "b_app" {
  provider = switchyardb
  name     = %q
  servers  = [{ name = "app", address = "127.0.0.1", port = 8081 }]
}

resource "switchyard_frontend" "b" {
  provider        = switchyardb
  name            = %q
  binds           = [{ address = %q, port = %d }]
  default_backend = switchyard_backend.b_app.name
}

resource "switchyard_backend" "a_local" {
    name     = %q
  servers  = [{ name = "app", address = "127.0.0.1", port = 8080 }]
}

resource "switchyard_backend" "a_remote" {
    name     = %q
  servers  = [{ name = "worker", address = %q, port = switchyard_frontend.b.binds[0].port }]
}

resource "switchyard_frontend" "a" {
  name            = %q
  binds           = [{ address = %q, port = %d }]
  acls            = ["is_remote path_beg /remote"]
  use_backend     = [{ backend = switchyard_backend.a_remote.name, cond = "if", cond_test = "is_remote" }]
  default_backend = switchyard_backend.a_local.name
}
`, bApp, bFe, b.Address, bPort, aLocal, aRemote, b.Address, aFe, a.Address, aPort)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"switchyard":  providerserver.NewProtocol6WithError(New("test")()),
			"switchyardb": providerserver.NewProtocol6WithError(New("test")()),
		},
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			feTestCheckFrontendGone(a, aFe), feTestCheckFrontendGone(b, bFe)),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckAnswers(feFrontendURL(a, aPort, "/remote/x"), "", "", 200, 8081, b.Name),
					feTestCheckAnswers(feFrontendURL(a, aPort, "/local"), "", "", 200, 8080, a.Name),
				),
			},
		},
	})
}

func TestAccFrontend_importHandWritten(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-hand-be")
	fe := acctest.RandomWithPrefix("acc-hand-fe")
	ul := acctest.RandomWithPrefix("acc-hand-ul")
	const port = 8106
	hash, err := sha512_crypt.New().Generate([]byte("ann-password"), nil)
	if err != nil {
		t.Fatal(err)
	}
	hand := fmt.Sprintf(`
backend %[1]s
  server app 127.0.0.1:8080

userlist %[3]s
  group gold
  user ann password %[4]s groups gold

frontend %[2]s
  mode http
  bind %[5]s:%[6]d
  acl is_app3 path_beg /app3
  http-request auth realm hand unless { http_auth(%[3]s) }
  use_backend %[1]s if is_app3
  default_backend %[1]s
`, be, fe, ul, hash, m.Address, port)
	t.Cleanup(func() { removeBackendByHand(t, m, be) })
	config := providerBlock(m, "") + fmt.Sprintf(`
resource "switchyard_userlist" "hand" {
  name   = %q
  groups = ["gold"]
  users  = [{ name = "ann", groups = ["gold"], password_hash = %q }]
}

resource "switchyard_frontend" "hand" {
  name            = %q
  binds           = [{ address = %q, port = %d }]
  acls            = ["is_app3 path_beg /app3"]
  http_request    = ["auth realm hand unless { http_auth(%s) }"]
  use_backend     = [{ backend = %q, cond = "if", cond_test = "is_app3" }]
  default_backend = %q
}
`, ul, hash, fe, m.Address, port, ul, be, be)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             feTestCheckFrontendGone(m, fe),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) { return cfg + hand, nil })
				},
				Config:             config,
				ResourceName:       "switchyard_userlist.hand",
				ImportState:        true,
				ImportStateId:      ul,
				ImportStatePersist: true,
			},
			{
				Config:             config,
				ResourceName:       "switchyard_frontend.hand",
				ImportState:        true,
				ImportStateId:      fe,
				ImportStatePersist: true,
			},
			{
				// Both read back exactly as written: nothing to change.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					feTestCheckAnswers(feFrontendURL(m, port, "/"), "ann", "ann-password", 200, 8080, m.Name),
					feTestCheckAnswers(feFrontendURL(m, port, "/"), "ann", "nope", 401, 0, ""),
				),
			},
		},
	})
}

func TestAccFrontend_badInput(t *testing.T) {
	m := testMachine(t)
	be := acctest.RandomWithPrefix("acc-fe-bad")
	fe := acctest.RandomWithPrefix("acc-fe-bad")
	const port = 8107
	frontend := func(name, extra string) string {
		return fmt.Sprintf(`
resource "switchyard_frontend" "web" {
  name            = %q
  binds           = [{ address = %q, port = %d }]
  default_backend = switchyard_backend.web.name
  %s
}
`, name, m.Address, port, extra)
	}
	base := providerBlock(m, "") + backendBlock("web", be, "", 8080)
	good := base + frontend(fe, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             feTestCheckFrontendGone(m, fe),
		Steps: []resource.TestStep{
			{
				Config:      base + frontend("my frontend", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(`"my frontend" contains a space`)),
			},
			{
				Config:      base + frontend(fe, `http_request = ["auth realm x unles { http_auth(l) }"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(`is read by HAProxy's configuration parser as`)),
			},
			{
				Config:      base + frontend(fe, `http_request = ["auht realm x"]`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(`unknown action "auht"`)),
			},
			{
				Config: good,
				Check:  feTestCheckAnswers(feFrontendURL(m, port, "/"), "", "", 200, 8080, m.Name),
			},
			{
				// Only HAProxy knows the feFetch does not exist.
				Config: base + frontend(fe, `acls = ["x no_such_fetch foo"]`),
				ExpectError: regexp.MustCompile(`(?s)` + words("Unable to Update Frontend") + `.*` + regexp.QuoteMeta(fe) +
					`.*` + words("HAProxy rejected the configuration") + `.*no_such_fetch`),
			},
			{
				PreConfig: func() {
					// Checked before anything is applied: the frontend
					// from before the rejected update still serves.
					if err := feTestCheckAnswers(feFrontendURL(m, port, "/"), "", "", 200, 8080, m.Name)(nil); err != nil {
						t.Error(err)
					}
				},
				Config: good,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// feTestCheckFrontendGone fails if a `frontend name` section is in haproxy.cfg.
func feTestCheckFrontendGone(m lab.Machine, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		cfg, err := readConfig(m)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(cfg, "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "frontend" && f[1] == name {
				return fmt.Errorf("frontend %s is still in %s on %s", name, labConfigFile, m.Name)
			}
		}
		return nil
	}
}
