package haproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/haproxytech/client-native/v5/configuration"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/atomicfile"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/runtime"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
	"github.com/switchyard/terraform-provider-switchyard/internal/pemcert"
)

// Certificates are crt files (chain, then key) in a directory next to
// haproxy.cfg. Like maps they change without a reload: a certificate the
// running HAProxy has loaded is swapped through the runtime API, and the
// file is written too, so the next reload loads the same one. Only when
// the runtime refuses the swap does the change cost one reload, through
// the change pipeline. The private key is checked, written and sent to
// the runtime, and never logged or answered.

// certFilePerm is every certificate file's, whatever a hand edit left: it
// holds a private key. root only is enough even with `user haproxy` in
// global: the master reads crt files while parsing the configuration, as
// root, before the workers drop their privileges, and reloads re-parse in
// the master too.
var certFilePerm = atomicfile.Perm{Mode: 0o600, UID: 0, GID: 0}

// CertsDir is where certificate files live.
func (m *Manager) CertsDir() string {
	return filepath.Join(filepath.Dir(m.opts.HAProxy.ConfigFile), "certs")
}

// CertificatePath is the absolute path of the certificate file called name.
func (m *Manager) CertificatePath(name string) string {
	return filepath.Join(m.CertsDir(), name+".pem")
}

// GetCertificate reads a certificate file and whether HAProxy has it loaded.
func (m *Manager) GetCertificate(ctx context.Context, name string) (api.Certificate, error) {
	if err := grammar.CertificateName(name); err != nil {
		return api.Certificate{}, api.Errorf(api.CodeInvalid, "%v", err)
	}
	path := m.CertificatePath(name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return api.Certificate{}, api.Errorf(api.CodeNotFound, "certificate %q does not exist (no %s)", name, path)
	}
	if err != nil {
		return api.Certificate{}, certError(name, fmt.Errorf("reading %s: %w", path, err))
	}
	out := certificateOf(name, path, data)
	loaded, err := m.runtime().ShowSSLCerts(ctx)
	switch {
	case errors.Is(err, runtime.ErrNotRunning):
	case err != nil:
		return api.Certificate{}, certError(name, err)
	default:
		out.Loaded = slices.Contains(loaded, path)
	}
	return out, nil
}

// certificateOf describes a file. A file whose certificates do not parse
// (a broken hand edit) has an empty chain, which the provider shows as
// drift and an update repairs.
func certificateOf(name, path string, data []byte) api.Certificate {
	out := api.Certificate{Name: name, Path: path, DNSNames: []string{}}
	chain, key, err := pemcert.Split(data)
	if err != nil || chain == "" {
		return out
	}
	info, err := pemcert.Inspect(chain)
	if err != nil {
		return out
	}
	out.CertificatePEM = chain
	out.KeyMatches = key != "" && pemcert.KeyMatches(chain, key) == nil
	out.NotAfter, out.SHA256Fingerprint, out.Subject, out.DNSNames = info.NotAfter, info.Fingerprint, info.Subject, info.DNSNames
	return out
}

// CreateCertificate writes a new certificate file (CodeExists if a
// different one is there).
func (m *Manager) CreateCertificate(ctx context.Context, spec api.CertificateSpec) (api.Certificate, error) {
	return m.writeCertificate(ctx, spec, true)
}

// UpdateCertificate replaces an existing certificate file and, when HAProxy
// has it loaded, the running certificate.
func (m *Manager) UpdateCertificate(ctx context.Context, spec api.CertificateSpec) (api.Certificate, error) {
	return m.writeCertificate(ctx, spec, false)
}

func (m *Manager) writeCertificate(ctx context.Context, spec api.CertificateSpec, create bool) (api.Certificate, error) {
	if err := grammar.CertificateName(spec.Name); err != nil {
		return api.Certificate{}, api.Errorf(api.CodeInvalid, "%v", err)
	}
	chain, err := pemcert.Chain(spec.CertificatePEM)
	if err != nil {
		return api.Certificate{}, api.Errorf(api.CodeInvalid, "certificate %q: %v", spec.Name, err)
	}
	path := m.CertificatePath(spec.Name)
	reload := false
	err = m.locked(ctx, func() error {
		old, err := os.ReadFile(path)
		exists := err == nil
		switch {
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("reading %s: %w", path, err)
		case !create && !exists:
			return api.Errorf(api.CodeNotFound, "certificate %q does not exist (no %s)", spec.Name, path)
		}
		key := spec.PrivateKeyPEM
		if key == "" && exists {
			_, key, _ = pemcert.Split(old)
		}
		if key == "" {
			return api.Errorf(api.CodeInvalid, "certificate %q: no private key was given and %s holds none", spec.Name, path)
		}
		// Everything is checked before anything is written: a file
		// HAProxy cannot load would stop its next reload.
		if _, err := pemcert.Check(chain, key, time.Now()); err != nil {
			return api.Errorf(api.CodeInvalid, "certificate %q: %v", spec.Name, err)
		}
		want := pemcert.Bundle(chain, key)
		switch {
		case create && exists && !sameChain(old, chain):
			return api.Errorf(api.CodeExists, "certificate %q already exists (%s)", spec.Name, path)
		case exists && bytes.Equal(old, want):
			// A retried create, or an update of what is there: the file
			// and the mode are made right, the runtime has it already.
			return atomicfile.Apply(path, certFilePerm)
		}
		if err := os.MkdirAll(m.CertsDir(), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", m.CertsDir(), err)
		}
		// The file first: if the runtime swap then fails, the reload
		// below loads it.
		if err := atomicfile.WritePerm(path, want, certFilePerm); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		err = m.runtime().ReplaceSSLCert(ctx, path, string(want))
		switch {
		case err == nil:
			m.logf("certificate %q: swapped in the running HAProxy (set/commit ssl cert), no reload", spec.Name)
		case errors.Is(err, runtime.ErrCertNotLoaded) || errors.Is(err, runtime.ErrNotRunning):
			// No bind uses it yet: the reload that adds one loads the file.
		default:
			m.logf("certificate %q: the runtime API refused the swap (%v); reloading once instead", spec.Name, err)
			reload = true
		}
		return nil
	})
	if err != nil {
		return api.Certificate{}, certError(spec.Name, err)
	}
	if reload && m.serviceActive(ctx) {
		noop := func(configuration.Configuration, string) error { return nil }
		if err := m.submitChange(&change{apply: noop, reload: true, done: make(chan error, 1)}); err != nil {
			return api.Certificate{}, apiError(label("certificate", spec.Name), err)
		}
	}
	return m.GetCertificate(ctx, spec.Name)
}

// sameChain reports whether a file holds chain. A create that finds its
// own certificate there (a retried create, or the key spelled or replaced
// differently) writes it: that converges on the same object and needs no
// import, and the checked key is the one that belongs there.
func sameChain(file []byte, chain string) bool {
	have, _, err := pemcert.Split(file)
	return err == nil && have == chain
}

// DeleteCertificate removes the file. It refuses while haproxy.cfg names
// it: HAProxy would not start (or reload) without it.
func (m *Manager) DeleteCertificate(ctx context.Context, name string) error {
	if err := grammar.CertificateName(name); err != nil {
		return api.Errorf(api.CodeInvalid, "%v", err)
	}
	path := m.CertificatePath(name)
	err := m.locked(ctx, func() error {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return api.Errorf(api.CodeNotFound, "certificate %q does not exist (no %s)", name, path)
		}
		cfg, err := os.ReadFile(m.opts.HAProxy.ConfigFile)
		if err != nil {
			return fmt.Errorf("reading %s: %w", m.opts.HAProxy.ConfigFile, err)
		}
		// A bind may also load the whole directory (`crt /etc/haproxy/certs`).
		if namesFile(cfg, path) || namesFile(cfg, m.CertsDir()) || namesFile(cfg, m.CertsDir()+"/") {
			return api.Errorf(api.CodeRejected, "certificate %q is still used by %s, which names %s; "+
				"HAProxy could not reload without the file. Remove the binds that use it first", name, m.opts.HAProxy.ConfigFile, path)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	})
	return certError(name, err)
}

// namesFile reports whether cfg has path as a word of its own (so that
// a.pem is not taken for used by a line naming a.pem.pem).
func namesFile(cfg []byte, path string) bool {
	return regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(path) + `(\s|$)`).Match(cfg)
}

func certError(name string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := api.AsError(err); ok {
		return e
	}
	return &api.Error{Code: api.CodeInternal, Message: label("certificate", name) + ": " + err.Error()}
}
