package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Hot certificate swap (HAProxy 2.6's `set ssl cert` transaction): the
// running HAProxy replaces a loaded certificate in memory, for new
// handshakes at once, without a reload. The payload holds the private key,
// so nothing here ever puts the payload into an error.

// ErrCertNotLoaded is returned for a certificate file the running HAProxy
// has not loaded (no bind names it).
var ErrCertNotLoaded = errors.New("certificate not loaded by the running HAProxy")

// HAProxy answers `show ssl cert` with "Can't show!" while another CLI
// session holds its certificate lock: another `show ssl cert` (a refresh
// reads several certificates at once) or a swap. The lock is held for the
// length of one command, so ShowSSLCerts asks again, a bounded number of
// times.
const (
	showCertBusy    = "Can't show!"
	showCertRetries = 40
	showCertWait    = 25 * time.Millisecond
)

// ShowSSLCerts lists the certificate files the running HAProxy has loaded.
func (c Client) ShowSSLCerts(ctx context.Context) ([]string, error) {
	for try := 0; ; try++ {
		out, err := c.Command(ctx, "show ssl cert", "")
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(strings.TrimSpace(out), showCertBusy) || try == showCertRetries {
			return ParseShowSSLCerts(out)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(showCertWait):
		}
	}
}

// ParseShowSSLCerts reads `show ssl cert`: a `# filename` header, then one
// file per line; a `*` before a name marks an uncommitted transaction,
// which is the same file. HAProxy 2.6 answers an empty line, without the
// header, when it has no certificate at all.
func ParseShowSSLCerts(out string) ([]string, error) {
	if strings.TrimSpace(out) == "" {
		return []string{}, nil
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "# filename" {
		return nil, fmt.Errorf("unexpected `show ssl cert` answer: %q", firstLine(strings.TrimSpace(out)))
	}
	files := []string{}
	for _, l := range lines[1:] {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "*"); l != "" {
			files = append(files, l)
		}
	}
	return files, nil
}

// SSLCertCommands are the two commands of a hot swap: the `set ssl cert`
// line with its payload (the PEM, without empty lines, which would end the
// payload early), and the `commit ssl cert` line.
func SSLCertCommands(file, pem string) (setLine, payload, commitLine string) {
	var kept []string
	for _, l := range strings.Split(pem, "\n") {
		if strings.TrimSpace(l) != "" {
			kept = append(kept, strings.TrimRight(l, "\r"))
		}
	}
	return "set ssl cert " + Escape(file), strings.Join(kept, "\n") + "\n", "commit ssl cert " + Escape(file)
}

// ReplaceSSLCert swaps a loaded certificate for pem (chain and key). A
// refused step aborts the transaction, so the running certificate stays
// what it was and the next attempt starts clean.
func (c Client) ReplaceSSLCert(ctx context.Context, file, pem string) error {
	setLine, payload, commitLine := SSLCertCommands(file, pem)
	out, err := c.Command(ctx, setLine, payload)
	if err != nil {
		return err
	}
	msg := strings.TrimSpace(out)
	if !strings.HasPrefix(msg, "Transaction created") && !strings.HasPrefix(msg, "Transaction updated") {
		c.abortSSLCert(ctx, file)
		if strings.Contains(msg, "not referenced by the configuration") || strings.Contains(msg, "Can't replace a certificate which is not referenced") {
			return ErrCertNotLoaded
		}
		return fmt.Errorf("HAProxy runtime API: set ssl cert: %s", msg)
	}
	out, err = c.Command(ctx, commitLine, "")
	if err != nil {
		c.abortSSLCert(ctx, file)
		return err
	}
	if msg := strings.TrimSpace(out); !strings.Contains(msg, "Success!") {
		c.abortSSLCert(ctx, file)
		return fmt.Errorf("HAProxy runtime API: commit ssl cert: %s", msg)
	}
	return nil
}

// abortSSLCert drops a transaction; a failure leaves one that the next
// `set ssl cert` of the same file updates, so it needs no handling.
func (c Client) abortSSLCert(ctx context.Context, file string) {
	_, _ = c.Command(ctx, "abort ssl cert "+Escape(file), "")
}
