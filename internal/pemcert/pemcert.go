// Package pemcert reads and checks the PEM a switchyard_certificate holds:
// a certificate chain (leaf first) and its private key, as HAProxy reads
// them from one crt file. The provider uses it at plan time (so the plan
// shows the attributes the apply will store) and the agent on every write
// and read, so both sides compute the same attributes from the same bytes.
//
// Nothing here ever puts key material into an error message.
package pemcert

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Info is what the certificate itself says.
type Info struct {
	// NotAfter is the leaf's expiry, RFC 3339 in UTC.
	NotAfter string
	// Fingerprint is the SHA-256 of the leaf's DER, lower-case hex.
	Fingerprint string
	// Subject is the leaf's subject in RFC 2253 form (Go's pkix.Name).
	Subject  string
	DNSNames []string
	// Expiry is NotAfter as a time, for checks.
	Expiry time.Time
}

// Chain returns the CERTIFICATE blocks of data re-encoded one after the
// other, leaf first: the canonical form both sides store and compare, so
// that line endings or text around the blocks are not drift. It fails when
// data has no certificate, a block that is not one, or one that does not
// parse.
func Chain(data string) (string, error) {
	certs, err := parseChain([]byte(data))
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}) // a bytes.Buffer does not fail
	}
	return b.String(), nil
}

func parseChain(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("the certificate PEM holds a %q block; it must hold only CERTIFICATE blocks, leaf first", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d of the chain does not parse: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block found")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("the certificate PEM has text after its last block that is not PEM")
	}
	return certs, nil
}

// Inspect parses a chain and describes its leaf.
func Inspect(chain string) (Info, error) {
	certs, err := parseChain([]byte(chain))
	if err != nil {
		return Info{}, err
	}
	leaf := certs[0]
	sum := sha256.Sum256(leaf.Raw)
	names := leaf.DNSNames
	if names == nil {
		names = []string{}
	}
	return Info{
		NotAfter:    leaf.NotAfter.UTC().Format(time.RFC3339),
		Fingerprint: hex.EncodeToString(sum[:]),
		Subject:     leaf.Subject.String(),
		DNSNames:    names,
		Expiry:      leaf.NotAfter,
	}, nil
}

// CheckExpiry fails for a leaf that has expired at now.
func CheckExpiry(info Info, now time.Time) error {
	if !now.Before(info.Expiry) {
		return fmt.Errorf("the certificate expired at %s", info.NotAfter)
	}
	return nil
}

// Check is everything verified before a certificate is written: the chain
// parses, the key parses and belongs to the leaf, and the leaf has not
// expired at now.
func Check(chain, key string, now time.Time) (Info, error) {
	info, err := Inspect(chain)
	if err != nil {
		return Info{}, err
	}
	if err := CheckExpiry(info, now); err != nil {
		return Info{}, err
	}
	if err := KeyMatches(chain, key); err != nil {
		return Info{}, err
	}
	return info, nil
}

// KeyMatches fails when key is not a PEM private key for the chain's leaf.
// tls's own error is not used: it is worded for certificate files, and a
// parse error of a key must never quote it.
func KeyMatches(chain, key string) error {
	block, _ := pem.Decode([]byte(key))
	if block == nil || !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return errors.New("the private key is not a PEM PRIVATE KEY block")
	}
	if _, err := tls.X509KeyPair([]byte(chain), []byte(key)); err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return errors.New("the private key does not match the certificate (the first certificate of the chain)")
		}
		return errors.New("the private key does not parse (PKCS#1, PKCS#8 or SEC 1 EC key expected)")
	}
	return nil
}

// Bundle is the crt file HAProxy reads: the chain, then the key.
func Bundle(chain, key string) []byte {
	key = strings.TrimSpace(key) + "\n"
	return []byte(chain + key)
}

// Split separates a crt file into its certificate chain (canonical, see
// Chain) and its private key block; either is "" when absent. It fails
// only when the certificates do not parse.
func Split(file []byte) (chain, key string, err error) {
	var certs, keys bytes.Buffer
	rest := file
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch {
		case block.Type == "CERTIFICATE":
			_ = pem.Encode(&certs, block)
		case strings.HasSuffix(block.Type, "PRIVATE KEY") && keys.Len() == 0:
			_ = pem.Encode(&keys, block)
		}
	}
	if certs.Len() == 0 {
		return "", keys.String(), nil
	}
	chain, err = Chain(certs.String())
	return chain, keys.String(), err
}
