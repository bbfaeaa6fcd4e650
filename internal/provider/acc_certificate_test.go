package provider

// Acceptance tests of switchyard_certificate: real TLS handshakes through a
// frontend bound on the lab machine with the certificate, a rotation under
// a request loop (a new TLS connection per request) that must not reload
// HAProxy, and drift of the file.

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/loadloop"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert/testca"
)

// certPort is the TLS frontend's port (see acc_frontend_test.go for the
// range tests use).
const certPort = 8143

// certServerName is the name every test certificate is issued for.
const certServerName = "site.example.test"

// certConfig is a certificate, a frontend serving the lab app on certPort
// with it, and a host data source read after both.
func certConfig(m lab.Machine, name, be, fe string, leaf testca.Leaf, version int) string {
	return providerBlock(m, "") + backendBlock("app", be, "", 8080) + fmt.Sprintf(`
resource "switchyard_certificate" "site" {
  name                   = %q
  certificate_pem        = %q
  private_key_pem_wo     = %q
  private_key_wo_version = %d
}

resource "switchyard_frontend" "tls" {
  name            = %q
  binds           = [{ address = %q, port = %d, ssl_certificate = switchyard_certificate.site.path }]
  default_backend = switchyard_backend.app.name
}

data "switchyard_host" "h" {
  depends_on = [switchyard_certificate.site, switchyard_frontend.tls]
}
`, name, leaf.CertPEM, leaf.KeyPEM, version, fe, m.Address, certPort)
}

func leafFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// tlsGet makes one HTTPS request on a new connection, trusting pool, and
// returns the fingerprint of the leaf the server presented.
func tlsGet(m lab.Machine, pool *x509.CertPool, path string) (string, error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{RootCAs: pool, ServerName: certServerName, MinVersion: tls.VersionTLS12},
	}}
	url := fmt.Sprintf("https://%s:%d%s", m.Address, certPort, path)
	resp, err := client.Get(url)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }() // only read
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK || !labAppBody.Match(body) {
		return "", fmt.Errorf("GET %s: %s %q", url, resp.Status, body)
	}
	return leafFingerprint(resp.TLS.PeerCertificates[0]), nil
}

// testCheckServes checks that a client trusting ca gets a 200 and leaf,
// and that a client without the CA fails verification.
func testCheckServes(m lab.Machine, ca *testca.CA, leaf testca.Leaf) resource.TestCheckFunc {
	return func(*terraform.State) error {
		fp, err := tlsGet(m, ca.Pool(), "/tls")
		if err != nil {
			return err
		}
		if want := leafFingerprint(leaf.Cert); fp != want {
			return fmt.Errorf("served the certificate %s, want %s", fp, want)
		}
		_, err = tlsGet(m, x509.NewCertPool(), "/tls")
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			return fmt.Errorf("a client without the test CA: %v, want an unknown-authority verification error", err)
		}
		return nil
	}
}

// testCheckFileMode checks the file on the machine: root-owned, 0600.
func testCheckFileMode(m lab.Machine, path string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, err := m.Run(ctx, "stat", "-c", "%a %U %G", path)
		if err != nil {
			return err
		}
		if got := strings.TrimSpace(out); got != "600 root root" {
			return fmt.Errorf("%s on %s: mode and owner %q, want \"600 root root\"", path, m.Name, got)
		}
		return nil
	}
}

// keyLineIn reports whether a line of a key's body is in b.
func keyLineIn(b []byte, keys []string) bool {
	for _, k := range keys {
		for _, line := range strings.Split(strings.TrimSpace(k), "\n") {
			if !strings.HasPrefix(line, "-----") && strings.Contains(string(b), line) {
				return true
			}
		}
	}
	return false
}

// noKeyInPlan fails if a line of a key's body is in what the plan's JSON
// (`terraform show -json` of the saved plan) says about values: planned
// values, resource changes, prior state. Its configuration section is left
// out: it repeats the configuration's literals as written, and this test
// writes the key as one (a real configuration reads it with file() or from
// an ephemeral variable, which the configuration section shows as an
// expression only).
type noKeyInPlan struct{ keys []string }

func (c noKeyInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	b, err := json.Marshal([]any{req.Plan.PlannedValues, req.Plan.ResourceChanges, req.Plan.PriorState, req.Plan.OutputChanges})
	if err != nil {
		resp.Error = err
		return
	}
	if len(req.Plan.ResourceChanges) == 0 {
		resp.Error = fmt.Errorf("the plan changes nothing: nothing to search")
		return
	}
	if keyLineIn(b, c.keys) {
		resp.Error = fmt.Errorf("the plan holds a line of the private key")
	}
}

// noKeyInState fails if the key's text, or any line of its body, is in
// the state Terraform saved.
type noKeyInState struct{ keys []string }

func (c noKeyInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if keyLineIn(b, c.keys) {
		resp.Error = fmt.Errorf("the state holds a line of the private key")
	}
}

// testCheckNoKeyOnMachineLogs fails if a line of a key's body is in the
// machine's journal or in the agent's session log.
func testCheckNoKeyOnMachineLogs(m lab.Machine, keys ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, err := m.Run(ctx, "sh", "-c", `journalctl --no-pager -q -n 20000 2>/dev/null; cat "$1" 2>/dev/null; true`, "sh", api.SessionLogPath)
		if err != nil {
			return err
		}
		if len(out) == 0 {
			return fmt.Errorf("no journal and no session log on %s to search", m.Name)
		}
		if keyLineIn([]byte(out), keys) {
			return fmt.Errorf("a line of the private key is in the journal or the session log of %s", m.Name)
		}
		return nil
	}
}

// tlsLoad is internal/loadloop's bounded loop of HTTPS requests, each on
// a new connection (a full handshake), keyed by the fingerprint of the
// certificate the handshake saw.
type tlsLoad struct{ loop *loadloop.Loop }

const tlsLoadMin = 400

func startTLSLoad(m lab.Machine, pool *x509.CertPool) *tlsLoad {
	return &tlsLoad{loop: loadloop.Start(loadloop.Options{
		Min: tlsLoadMin,
		Do: func(client, i int) (string, error) {
			return tlsGet(m, pool, fmt.Sprintf("/rot/%d/%d", client, i))
		},
	})}
}

func (l *tlsLoad) finish(t *testing.T) error {
	t.Helper()
	r := l.loop.Stop()
	t.Logf("rotation under load: %d HTTPS requests (one handshake each), %d failed, certificates seen %v", r.Sent, r.Failed, r.By)
	return r.Err()
}

func TestAccCertificate_rotateAndDrift(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-cert")
	be := acctest.RandomWithPrefix("acc-cert")
	fe := acctest.RandomWithPrefix("acc-cert")
	file := "/etc/haproxy/certs/" + name + ".pem"
	ca := testca.New(t, "switchyard acceptance CA")
	month := time.Now().Add(60 * 24 * time.Hour)
	first := ca.Issue(t, month, certServerName)
	second := ca.Issue(t, month, certServerName, "www.example.test")
	byHand := ca.Issue(t, month, certServerName)
	addr := "switchyard_certificate.site"

	var pidsBefore []int
	var load *tlsLoad
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckCertificateGone(m, file),
		Steps: []resource.TestStep{
			{
				Config: certConfig(m, name, be, fe, first, 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("path"), knownvalue.StringExact(file)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sha256_fingerprint"), knownvalue.StringExact(leafFingerprint(first.Cert))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("dns_names"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(certServerName)})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("subject"), knownvalue.StringExact("CN="+certServerName+",O=Switchyard tests")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("not_after"), knownvalue.StringExact(first.Cert.NotAfter.UTC().Format(time.RFC3339))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("private_key_pem_wo"), knownvalue.Null()),
					noKeyInState{keys: []string{first.KeyPEM}},
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckServes(m, ca, first),
					testCheckFileMode(m, file),
					func(*terraform.State) error {
						var err error
						pidsBefore, err = workerPIDs(m)
						return err
					},
				),
			},
			{
				// Rotation: a new certificate and key, live, under load.
				PreConfig: func() { load = startTLSLoad(m, ca.Pool()) },
				Config:    certConfig(m, name, be, fe, second, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("sha256_fingerprint"), knownvalue.StringExact(leafFingerprint(second.Cert))),
						noKeyInPlan{keys: []string{first.KeyPEM, second.KeyPEM}},
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{noKeyInState{keys: []string{first.KeyPEM, second.KeyPEM}}},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error { return load.finish(t) },
					resource.TestCheckResourceAttr("data.switchyard_host.h", "reloads", "0"),
					testCheckServes(m, ca, second),
					testCheckFileMode(m, file),
					testCheckNoKeyOnMachineLogs(m, first.KeyPEM, second.KeyPEM),
					func(*terraform.State) error {
						after, err := workerPIDs(m)
						if err != nil {
							return err
						}
						if diff := cmp.Diff(pidsBefore, after); diff != "" {
							return fmt.Errorf("HAProxy's workers changed during the rotation (-before +after):\n%s", diff)
						}
						return nil
					},
				),
			},
			{
				// Drift: the file replaced by hand.
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
					defer cancel()
					if err := m.WriteFile(ctx, file, []byte(byHand.CertPEM+byHand.KeyPEM), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Config:             certConfig(m, name, be, fe, second, 2),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// The apply writes it back (and its mode).
				Config: certConfig(m, name, be, fe, second, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckFileMode(m, file),
					func(*terraform.State) error {
						// The file is right again; the running HAProxy had
						// kept the rotated certificate in memory throughout.
						return testCheckServes(m, ca, second)(nil)
					},
				),
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"private_key_pem_wo", "private_key_wo_version"},
			},
		},
	})
}

// testCheckCertificateGone checks that destroy removed the file.
func testCheckCertificateGone(m lab.Machine, file string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(context.Background(), sshTimeout)
		defer cancel()
		out, _, err := m.Run(ctx, "sh", "-c", `if test -e "$1"; then echo present; else echo absent; fi`, "sh", file)
		if err != nil {
			return err
		}
		if strings.TrimSpace(out) != "absent" {
			return fmt.Errorf("%s is still on %s after destroy", file, m.Name)
		}
		return nil
	}
}

// A certificate a bind still names cannot be destroyed, and a bad pair is
// refused before anything reaches the machine.
func TestAccCertificate_refusals(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-cert-ref")
	be := acctest.RandomWithPrefix("acc-cert-ref")
	fe := acctest.RandomWithPrefix("acc-cert-ref")
	file := "/etc/haproxy/certs/" + name + ".pem"
	ca := testca.New(t, "switchyard acceptance CA")
	month := time.Now().Add(60 * 24 * time.Hour)
	leaf := ca.Issue(t, month, certServerName)
	other := ca.Issue(t, month, certServerName)
	expired := ca.Issue(t, time.Now().Add(-time.Hour), certServerName)
	cert := func(l testca.Leaf, key string) string {
		return fmt.Sprintf(`
resource "switchyard_certificate" "site" {
  name               = %q
  certificate_pem    = %q
  private_key_pem_wo = %q
}
`, name, l.CertPEM, key)
	}
	// The bind names the file by its path, not through the resource, so
	// the certificate can leave the configuration while the bind stays.
	// dependsOn, when set, records in the state that the frontend goes
	// first on destroy.
	frontend := func(dependsOn string) string {
		return fmt.Sprintf(`
resource "switchyard_frontend" "tls" {
  name            = %q
  binds           = [{ address = %q, port = %d, ssl_certificate = %q }]
  default_backend = switchyard_backend.app.name
  %s
}
`, fe, m.Address, certPort, file, dependsOn)
	}
	const after = "depends_on = [switchyard_certificate.site]"
	base := providerBlock(m, "") + backendBlock("app", be, "", 8080)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             testCheckCertificateGone(m, file),
		Steps: []resource.TestStep{
			{
				Config:      base + cert(leaf, other.KeyPEM),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(words(`Certificate "` + name + `": the private key does not match the certificate`)),
			},
			{
				Config:      base + cert(expired, expired.KeyPEM),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Certificate Expired`),
			},
			{
				Config: base + cert(leaf, leaf.KeyPEM),
				Check:  testCheckFileMode(m, file),
			},
			{
				Config: base + cert(leaf, leaf.KeyPEM) + frontend(after),
				Check:  testCheckServes(m, ca, leaf),
			},
			{
				Config:      base + frontend(""),
				ExpectError: regexp.MustCompile(words(`certificate "` + name + `" is still used by /etc/haproxy/haproxy.cfg`)),
			},
			{
				// Refused means untouched: HAProxy still serves it.
				Config: base + cert(leaf, leaf.KeyPEM) + frontend(after),
				Check:  testCheckServes(m, ca, leaf),
			},
		},
	})
}

// A bind's alpn and ssl_min_ver reach the handshake.
func TestAccCertificate_bindTLSOptions(t *testing.T) {
	m := testMachine(t)
	name := acctest.RandomWithPrefix("acc-cert-opt")
	be := acctest.RandomWithPrefix("acc-cert-opt")
	fe := acctest.RandomWithPrefix("acc-cert-opt")
	ca := testca.New(t, "switchyard acceptance CA")
	leaf := ca.Issue(t, time.Now().Add(60*24*time.Hour), certServerName)
	config := providerBlock(m, "") + backendBlock("app", be, "", 8080) + fmt.Sprintf(`
resource "switchyard_certificate" "site" {
  name               = %q
  certificate_pem    = %q
  private_key_pem_wo = %q
}

resource "switchyard_frontend" "tls" {
  name  = %q
  binds = [{
    address         = %q
    port            = %d
    ssl_certificate = switchyard_certificate.site.path
    alpn            = "h2,http/1.1"
    ssl_min_ver     = "TLSv1.3"
  }]
  default_backend = switchyard_backend.app.name
}
`, name, leaf.CertPEM, leaf.KeyPEM, fe, m.Address, certPort)
	handshake := func(cfg *tls.Config) (tls.ConnectionState, error) {
		cfg.RootCAs, cfg.ServerName = ca.Pool(), certServerName
		d := &tls.Dialer{Config: cfg}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := d.DialContext(ctx, "tcp", fmt.Sprintf("%s:%d", m.Address, certPort))
		if err != nil {
			return tls.ConnectionState{}, err
		}
		defer func() { _ = conn.Close() }()
		return conn.(*tls.Conn).ConnectionState(), nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckServes(m, ca, leaf),
					func(*terraform.State) error {
						st, err := handshake(&tls.Config{NextProtos: []string{"h2", "http/1.1"}})
						if err != nil {
							return err
						}
						if st.NegotiatedProtocol != "h2" || st.Version != tls.VersionTLS13 {
							return fmt.Errorf("negotiated %q over TLS version %#x, want h2 over TLS 1.3", st.NegotiatedProtocol, st.Version)
						}
						if _, err := handshake(&tls.Config{MaxVersion: tls.VersionTLS12}); err == nil {
							return fmt.Errorf("a TLS 1.2 client got through a bind with ssl_min_ver TLSv1.3")
						}
						return nil
					},
				),
			},
		},
	})
}

// Two certificates on one bind, selected by SNI: the bind loads the
// certificates directory. Rotating one of them goes live as well.
func TestAccCertificate_sniDirectory(t *testing.T) {
	m := testMachine(t)
	prefix := acctest.RandomWithPrefix("acc-cert-sni")
	be, fe := prefix, prefix
	ca := testca.New(t, "switchyard acceptance CA")
	month := time.Now().Add(60 * 24 * time.Hour)
	a := ca.Issue(t, month, "a.example.test")
	b := ca.Issue(t, month, "b.example.test")
	b2 := ca.Issue(t, month, "b.example.test")
	config := func(bLeaf testca.Leaf) string {
		return providerBlock(m, "") + backendBlock("app", be, "", 8080) + fmt.Sprintf(`
resource "switchyard_certificate" "a" {
  name               = "%[1]s-a"
  certificate_pem    = %[2]q
  private_key_pem_wo = %[3]q
}

resource "switchyard_certificate" "b" {
  name               = "%[1]s-b"
  certificate_pem    = %[4]q
  private_key_pem_wo = %[5]q
}

resource "switchyard_frontend" "tls" {
  name            = %[6]q
  binds           = [{ address = %[7]q, port = %[8]d, ssl_certificate = "/etc/haproxy/certs" }]
  default_backend = switchyard_backend.app.name
  depends_on      = [switchyard_certificate.a, switchyard_certificate.b]
}

data "switchyard_host" "h" {
  depends_on = [switchyard_certificate.a, switchyard_certificate.b, switchyard_frontend.tls]
}
`, prefix, a.CertPEM, a.KeyPEM, bLeaf.CertPEM, bLeaf.KeyPEM, fe, m.Address, certPort)
	}
	sni := func(serverName string, want testca.Leaf) resource.TestCheckFunc {
		return func(*terraform.State) error {
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
				DisableKeepAlives: true,
				TLSClientConfig:   &tls.Config{RootCAs: ca.Pool(), ServerName: serverName, MinVersion: tls.VersionTLS12},
			}}
			url := fmt.Sprintf("https://%s:%d/sni", m.Address, certPort)
			resp, err := client.Get(url)
			if err != nil {
				return fmt.Errorf("GET %s as %s: %w", url, serverName, err)
			}
			defer func() { _ = resp.Body.Close() }() // only read
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s as %s: %s", url, serverName, resp.Status)
			}
			if got, w := leafFingerprint(resp.TLS.PeerCertificates[0]), leafFingerprint(want.Cert); got != w {
				return fmt.Errorf("SNI %s got the certificate %s, want %s", serverName, got, w)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(b),
				Check:  resource.ComposeAggregateTestCheckFunc(sni("a.example.test", a), sni("b.example.test", b)),
			},
			{
				Config: config(b2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.switchyard_host.h", "reloads", "0"),
					sni("a.example.test", a), sni("b.example.test", b2),
				),
			},
		},
	})
}
