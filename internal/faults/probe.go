package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Probe is a bounded request loop: one client sending GET requests to one
// URL, a new connection each (a reload closes idle connections; what
// counts is that new ones are answered), until it has sent its maximum
// number of requests, its time is up, or Stop is called. A request fails
// unless a lab app answers it (200 and a body starting with "lab-app ").
type Probe struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	sent   int
	failed int
	first  string // the first failure
	last   string // the last one
}

// ProbeResult is what a Probe saw.
type ProbeResult struct {
	Sent, Failed          int
	FirstError, LastError string
}

// probePause keeps the loop a witness, not a load test: terraform, the
// provider, the agent and HAProxy share the box's few CPUs with it.
const probePause = 20 * time.Millisecond

// StartProbe starts the loop. It refuses a URL outside the lab's network.
func StartProbe(rawURL string, maxRequests int, maxTime time.Duration) (*Probe, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(u.Hostname(), "10.147.83.") {
		return nil, fmt.Errorf("refusing to send requests outside the lab: %s", rawURL)
	}
	return startProbe(rawURL, maxRequests, maxTime), nil
}

func startProbe(rawURL string, maxRequests int, maxTime time.Duration) *Probe {
	ctx, cancel := context.WithTimeout(context.Background(), maxTime)
	p := &Probe{cancel: cancel, done: make(chan struct{})}
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	}
	go func() {
		defer close(p.done)
		for i := 0; i < maxRequests && ctx.Err() == nil; i++ {
			err := probeOnce(ctx, client, rawURL)
			if ctx.Err() != nil {
				return // cut short by Stop or the time bound: not sent
			}
			p.record(err)
			select {
			case <-ctx.Done():
			case <-time.After(probePause):
			}
		}
	}()
	return p
}

func (p *Probe) record(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent++
	if err != nil {
		p.failed++
		p.last = fmt.Sprintf("request %d at %s: %v", p.sent, time.Now().UTC().Format("15:04:05.000"), err)
		if p.first == "" {
			p.first = p.last
		}
	}
}

// Stop ends the loop and returns what it saw.
func (p *Probe) Stop() ProbeResult {
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return ProbeResult{Sent: p.sent, Failed: p.failed, FirstError: p.first, LastError: p.last}
}

func probeOnce(ctx context.Context, client *http.Client, rawURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "lab-app ") {
		return fmt.Errorf("status %d, body %q", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
