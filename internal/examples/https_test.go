package examples

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert/testca"
)

// HTTPS (issue 11): examples/topologies/https on the edge machine with two
// certificates from PEM files, made by a throwaway CA here. Each SNI name
// gets its own certificate and a 200 from a pool app; a client without the
// CA fails verification; plain HTTP gets a 301 to the HTTPS port; HTTPS
// answers carry HSTS; the plan is empty after the apply, and it warns of
// the certificate that expires within 21 days, which the drift check's
// script turns into a failure with DRIFT_FAIL_ON_WARNING=1.

const (
	httpsTestHTTPPort = 8270
	httpsTestTLSPort  = 8271
)

// writeLeaf writes a leaf's chain and key as PEM files under dir and
// returns the certificates variable's entry for them.
func writeLeaf(t *testing.T, dir, name string, leaf testca.Leaf) map[string]string {
	t.Helper()
	cert, key := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(cert, []byte(leaf.CertPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte(leaf.KeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"certificate_file": cert, "private_key_file": key}
}

// httpsAnswer is one HTTPS request's outcome.
type httpsAnswer struct {
	status int
	body   string
	header http.Header
	leaf   *x509.Certificate
}

// httpsGet sends one request on a new connection to the edge's TLS port
// with serverName as SNI, trusting pool.
func (tp *topology) httpsGet(pool *x509.CertPool, serverName, path string) (httpsAnswer, error) {
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12},
	}}
	url := fmt.Sprintf("https://%s:%d%s", tp.edge.Address, httpsTestTLSPort, path)
	resp, err := client.Get(url)
	if err != nil {
		return httpsAnswer{}, fmt.Errorf("GET %s (SNI %s): %w", url, serverName, err)
	}
	defer func() { _ = resp.Body.Close() }() // only read
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return httpsAnswer{}, fmt.Errorf("GET %s: %w", url, err)
	}
	return httpsAnswer{status: resp.StatusCode, body: strings.TrimSpace(string(b)), header: resp.Header, leaf: resp.TLS.PeerCertificates[0]}, nil
}

func TestAccTopology_HTTPS(t *testing.T) {
	tp := newTopology(t, "https", "tls", httpsTestHTTPPort)
	ca := testca.New(t, "switchyard topology CA")
	month := time.Now().Add(30 * 24 * time.Hour)
	leaves := map[string]testca.Leaf{
		"a.example.test": ca.Issue(t, month, "a.example.test"),
		// Within the default expiry_warning_days (21).
		"b.example.test": ca.Issue(t, time.Now().Add(10*24*time.Hour), "b.example.test"),
	}
	dir := t.TempDir()
	tp.vars["https_port"] = httpsTestTLSPort
	tp.vars["certificates"] = map[string]any{
		"a": writeLeaf(t, dir, "a", leaves["a.example.test"]),
		"b": writeLeaf(t, dir, "b", leaves["b.example.test"]),
	}
	tp.apply()

	for name, leaf := range leaves {
		path := "/tls/" + name
		a, err := tp.httpsGet(ca.Pool(), name, path)
		if err != nil {
			t.Fatal(err)
		}
		if !a.leaf.Equal(leaf.Cert) {
			t.Errorf("SNI %s: served the certificate for %v, want its own", name, a.leaf.DNSNames)
		}
		if want := fmt.Sprintf(" on %s path=%s", tp.edge.Name, path); a.status != http.StatusOK || !strings.HasPrefix(a.body, "lab-app ") || !strings.HasSuffix(a.body, want) {
			t.Errorf("SNI %s: %d %q, want 200 from a pool app on %s", name, a.status, a.body, tp.edge.Name)
		}
		if got := a.header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("SNI %s: Strict-Transport-Security %q, want max-age=31536000", name, got)
		}
	}

	_, err := tp.httpsGet(x509.NewCertPool(), "a.example.test", "/tls/noca")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("a client without the CA: %v, want an unknown-authority verification error", err)
	}

	// Plain HTTP: a 301 to the same path on the HTTPS port, without HSTS.
	client := &http.Client{
		Timeout:       20 * time.Second,
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(tp.url("/shop?x=1"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // HAProxy's redirect has no body worth reading
	want := fmt.Sprintf("https://%s:%d/shop?x=1", tp.edge.Address, httpsTestTLSPort)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
		t.Errorf("GET %s: %s to %q, want 301 to %q", tp.url("/shop?x=1"), resp.Status, resp.Header.Get("Location"), want)
	}
	if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("plain HTTP got Strict-Transport-Security %q: browsers ignore it there, the topology sets it on HTTPS only", h)
	}

	tp.noDrift()
	code, addrs, out := driftCheck(t, tp.ctx, tp.w, "DRIFT_FAIL_ON_WARNING=1")
	t.Logf("drift-check.sh (exit %d):\n%s", code, out)
	if code != 3 || len(addrs) != 0 || !strings.Contains(out, "Certificate Expires Soon (module.edge.switchyard_certificate.this[\"b\"])") {
		t.Errorf("drift-check.sh with a certificate expiring in 10 days: exit %d, drifted %v, want 3, none and the warning naming it:\n%s", code, addrs, out)
	}

	// Renewed (live, no reload), the same check passes: the exit 3 was the
	// certificate's.
	renewed := ca.Issue(t, month, "b.example.test")
	tp.vars["certificates"].(map[string]any)["b"] = writeLeaf(t, t.TempDir(), "b", renewed)
	tp.vars["certificates_version"] = 2
	tp.apply()
	if a, err := tp.httpsGet(ca.Pool(), "b.example.test", "/tls/renewed"); err != nil || !a.leaf.Equal(renewed.Cert) {
		t.Errorf("after the renewal, SNI b.example.test: err %v, want the renewed certificate", err)
	}
	if code, _, out := driftCheck(t, tp.ctx, tp.w, "DRIFT_FAIL_ON_WARNING=1"); code != 0 || strings.Contains(out, "Warnings:") {
		t.Errorf("drift-check.sh after the renewal: exit %d, want 0 and no warnings:\n%s", code, out)
	}
}
