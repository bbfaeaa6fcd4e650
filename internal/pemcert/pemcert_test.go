package pemcert_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert/testca"
)

func TestCheck(t *testing.T) {
	ca := testca.New(t, "pemcert test CA")
	good := ca.Issue(t, time.Now().Add(30*24*time.Hour), "a.example.test", "b.example.test")
	other := ca.Issue(t, time.Now().Add(30*24*time.Hour), "other.example.test")
	expired := ca.Issue(t, time.Now().Add(-time.Hour), "old.example.test")
	now := time.Now()
	for _, tc := range []struct {
		name, chain, key, wantErr string
	}{
		{"valid", good.CertPEM, good.KeyPEM, ""},
		{"mismatched pair", good.CertPEM, other.KeyPEM, "does not match"},
		{"expired", expired.CertPEM, expired.KeyPEM, "expired at"},
		{"garbage certificate", "hello", good.KeyPEM, "no PEM CERTIFICATE block"},
		{"key block as certificate", good.KeyPEM, good.KeyPEM, `"PRIVATE KEY" block`},
		{"text after the chain", good.CertPEM + "junk", good.KeyPEM, "not PEM"},
		{"garbage key", good.CertPEM, "not a key", "not a PEM PRIVATE KEY"},
		{"broken key", good.CertPEM, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "does not parse"},
		{"certificate as key", good.CertPEM, good.CertPEM, "not a PEM PRIVATE KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pemcert.Check(tc.chain, tc.key, now)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Check: error %v, want one containing %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "PRIVATE KEY-----") {
				t.Fatalf("the error quotes key material: %v", err)
			}
		})
	}
}

func TestInspect(t *testing.T) {
	ca := testca.New(t, "pemcert test CA")
	notAfter := time.Date(2031, 5, 6, 7, 8, 9, 0, time.FixedZone("x", 3600))
	leaf := ca.Issue(t, notAfter, "a.example.test", "b.example.test")
	got, err := pemcert.Inspect(leaf.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(leaf.Cert.Raw)
	want := pemcert.Info{
		NotAfter:    "2031-05-06T06:08:09Z",
		Fingerprint: hex.EncodeToString(sum[:]),
		Subject:     "CN=a.example.test,O=Switchyard tests",
		DNSNames:    []string{"a.example.test", "b.example.test"},
	}
	got.Expiry = time.Time{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Inspect (-want +got):\n%s", diff)
	}
}

func TestSplitBundle(t *testing.T) {
	ca := testca.New(t, "pemcert test CA")
	leaf := ca.Issue(t, time.Now().Add(time.Hour), "a.example.test")
	// CRLF line endings and text around the blocks are not part of the
	// chain: the canonical form is the same.
	messy := "comment\r\n" + strings.ReplaceAll(leaf.CertPEM, "\n", "\r\n")
	canon, err := pemcert.Chain(leaf.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := pemcert.Chain(messy); err != nil || again != canon {
		t.Fatalf("Chain(CRLF copy with a comment) = %q, %v; want %q", again, err, canon)
	}
	file := pemcert.Bundle(canon, leaf.KeyPEM)
	if strings.Contains(string(file), "\n\n") {
		t.Fatalf("the bundle has an empty line, which would end a runtime API payload:\n%s", file)
	}
	chain, key, err := pemcert.Split(file)
	if err != nil {
		t.Fatal(err)
	}
	if chain != canon || key != leaf.KeyPEM {
		t.Fatalf("Split(Bundle(chain, key)) = %q, %q; want the chain and key back", chain, key)
	}
	if err := pemcert.KeyMatches(chain, key); err != nil {
		t.Fatal(err)
	}
	chain, key, err = pemcert.Split([]byte(canon))
	if err != nil || chain != canon || key != "" {
		t.Fatalf("Split(chain only) = %q, %q, %v", chain, key, err)
	}
}
