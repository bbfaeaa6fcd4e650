package api

// Certificate methods. A certificate is one crt file in the certificates
// directory (next to haproxy.cfg: /etc/haproxy/certs/<name>.pem), holding
// the chain and its private key as HAProxy reads them. A change of a
// certificate that the running HAProxy has loaded goes live through the
// runtime API (`set ssl cert` + `commit ssl cert`), without a reload.
const (
	// MethodCertificateGet: CertificateRef -> Certificate (CodeNotFound if
	// the file is absent).
	MethodCertificateGet = "haproxy.certificate.get"
	// MethodCertificateCreate: CertificateSpec -> Certificate (CodeExists if
	// a different file is there; CodeInvalid for a chain or key that fails
	// the checks, before anything is written).
	MethodCertificateCreate = "haproxy.certificate.create"
	// MethodCertificateUpdate: CertificateSpec -> Certificate (CodeNotFound
	// if the file is absent).
	MethodCertificateUpdate = "haproxy.certificate.update"
	// MethodCertificateDelete: CertificateRef -> nothing (CodeRejected while
	// haproxy.cfg names the file).
	MethodCertificateDelete = "haproxy.certificate.delete"
)

// CertificateRef names a certificate: its file name without `.pem`.
type CertificateRef struct {
	Name string `json:"name"`
}

// CertificateSpec is the wanted content of a certificate file. The key is
// the only secret on the wire; the agent never logs it or answers with it.
type CertificateSpec struct {
	Name string `json:"name"`
	// CertificatePEM is the chain, leaf first.
	CertificatePEM string `json:"certificate_pem"`
	// PrivateKeyPEM is the leaf's key. Empty on update keeps the key the
	// file has, which must then match the new leaf.
	PrivateKeyPEM string `json:"private_key_pem,omitempty"`
}

// Certificate is a certificate file as found on the machine.
type Certificate struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// CertificatePEM is the file's chain, re-encoded (canonical PEM).
	CertificatePEM string `json:"certificate_pem"`
	// KeyMatches says that the file holds a private key and that it belongs
	// to the file's leaf: whether the file is usable as it is.
	KeyMatches bool `json:"key_matches"`
	// NotAfter (RFC 3339, UTC), SHA256Fingerprint (hex, of the leaf's DER),
	// Subject and DNSNames describe the leaf.
	NotAfter          string   `json:"not_after"`
	SHA256Fingerprint string   `json:"sha256_fingerprint"`
	Subject           string   `json:"subject"`
	DNSNames          []string `json:"dns_names"`
	// Loaded is whether the running HAProxy has the file loaded (a bind
	// names it).
	Loaded bool `json:"loaded"`
}
