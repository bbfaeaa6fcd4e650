package provider

// Acceptance test of http_response rules and the HTTP→HTTPS redirect: one
// frontend binds a plain port and a TLS port; plain HTTP gets a 301 to
// https, HTTPS gets the lab app's answer with the HSTS header of the
// frontend's http_response rule and a header of the backend's.

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert/testca"
)

// Ports of this test's frontend (see acc_frontend_test.go for the range).
const (
	respPlainPort = 8110
	respTLSPort   = 8144
)

// hstsRule is written with HAProxy's quotes, which must survive the round
// trip through the file without a diff.
const hstsRule = `set-header Strict-Transport-Security "max-age=31536000"`

func responseConfig(m lab.Machine, cert, be, fe string, leaf testca.Leaf) string {
	return providerBlock(m, "") + backendBlock("app", be, `http_response = ["set-header X-Switchyard-Backend acc"]`, 8080) + fmt.Sprintf(`
resource "switchyard_certificate" "site" {
  name                   = %[1]q
  certificate_pem        = %[2]q
  private_key_pem_wo     = %[3]q
  private_key_wo_version = 1
}

resource "switchyard_frontend" "web" {
  name = %[4]q
  mode = "http"
  binds = [
    { address = %[5]q, port = %[6]d },
    { address = %[5]q, port = %[7]d, ssl_certificate = switchyard_certificate.site.path, alpn = "h2,http/1.1" },
  ]
  http_request    = ["redirect scheme https code 301 unless { ssl_fc }"]
  http_response   = [%[8]q]
  default_backend = switchyard_backend.app.name
}
`, cert, leaf.CertPEM, leaf.KeyPEM, fe, m.Address, respPlainPort, respTLSPort, hstsRule)
}

// testCheckRedirects checks that plain HTTP gets a 301 to the same path
// over https.
func testCheckRedirects(m lab.Machine) resource.TestCheckFunc {
	return func(*terraform.State) error {
		client := &http.Client{
			Timeout:       5 * time.Second,
			Transport:     &http.Transport{DisableKeepAlives: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		url := fmt.Sprintf("http://%s:%d/shop?x=1", m.Address, respPlainPort)
		resp, err := client.Get(url)
		if err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
		_ = resp.Body.Close() // the body is HAProxy's empty redirect page
		want := fmt.Sprintf("https://%s:%d/shop?x=1", m.Address, respPlainPort)
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
			return fmt.Errorf("GET %s: %s, Location %q; want 301 to %q", url, resp.Status, resp.Header.Get("Location"), want)
		}
		return nil
	}
}

// testCheckHSTS checks the HTTPS answer: the lab app, the HSTS header from
// the frontend's rule (HAProxy drops the quotes) and the backend's header.
func testCheckHSTS(m lab.Machine, pool *x509.CertPool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DisableKeepAlives: true,
			TLSClientConfig:   &tls.Config{RootCAs: pool, ServerName: certServerName, MinVersion: tls.VersionTLS12},
		}}
		url := fmt.Sprintf("https://%s:%d/hsts", m.Address, respTLSPort)
		resp, err := client.Get(url)
		if err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
		defer func() { _ = resp.Body.Close() }() // only read
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || !labAppBody.Match(body) {
			return fmt.Errorf("GET %s: %s %q", url, resp.Status, body)
		}
		if h := resp.Header.Get("Strict-Transport-Security"); h != "max-age=31536000" {
			return fmt.Errorf("GET %s: Strict-Transport-Security %q, want max-age=31536000", url, h)
		}
		if h := resp.Header.Get("X-Switchyard-Backend"); h != "acc" {
			return fmt.Errorf("GET %s: X-Switchyard-Backend %q, want the backend's rule's \"acc\"", url, h)
		}
		return nil
	}
}

func TestAccFrontend_redirectAndHSTS(t *testing.T) {
	m := testMachine(t)
	cert := acctest.RandomWithPrefix("acc-resp")
	be := acctest.RandomWithPrefix("acc-resp")
	fe := acctest.RandomWithPrefix("acc-resp")
	ca := testca.New(t, "switchyard acceptance CA")
	leaf := ca.Issue(t, time.Now().Add(60*24*time.Hour), certServerName)
	config := responseConfig(m, cert, be, fe, leaf)
	feAddr, beAddr := "switchyard_frontend.web", "switchyard_backend.app"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             feTestCheckFrontendGone(m, fe),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(feAddr, tfjsonpath.New("http_response"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(hstsRule)})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					testCheckRedirects(m),
					testCheckHSTS(m, ca.Pool()),
					testCheckSectionHas(m, be, "http-response set-header X-Switchyard-Backend acc"),
				),
			},
			{ResourceName: feAddr, ImportState: true, ImportStateId: fe, ImportStateVerify: true},
			{ResourceName: beAddr, ImportState: true, ImportStateId: be, ImportStateVerify: true},
			{
				// A hand edit of a managed rule is drift.
				PreConfig: func() {
					editConfig(t, m, func(cfg string) (string, error) {
						line := "http-response " + hstsRule
						if !strings.Contains(cfg, line) {
							return "", fmt.Errorf("haproxy.cfg lacks %q", line)
						}
						return strings.Replace(cfg, line, `http-response set-header Strict-Transport-Security "max-age=60"`, 1), nil
					})
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(feAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: testCheckHSTS(m, ca.Pool()),
			},
		},
	})
}
