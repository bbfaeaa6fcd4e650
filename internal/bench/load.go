package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Probe is the outcome of the request loop run during an apply.
type Probe struct {
	Sent, Failed int64
	Clients      int
	Duration     time.Duration
	FirstError   string // the first failure, for the report
}

// probeLoop sends requests to url with the x-switchyard-backend header set
// to backend from a few clients, each opening a new connection per
// request (keep-alive off: a reload closes idle connections, and what
// matters is that new ones keep being answered). It stops at maxRequests,
// at maxTime or when ctx ends, whichever comes first. A request fails
// unless the lab app answers it (200 and its "lab-app" body).
func probeLoop(ctx context.Context, url, backend string, clients int, maxRequests int64, maxTime time.Duration) Probe {
	ctx, cancel := context.WithTimeout(ctx, maxTime)
	defer cancel()
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	}
	var sent, failed atomic.Int64
	var firstErr sync.Once
	var first string
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && sent.Add(1) <= maxRequests {
				if err := probeOnce(ctx, client, url, backend); err != nil {
					if ctx.Err() != nil { // cut short by the end of the loop, not a failure
						sent.Add(-1)
						return
					}
					failed.Add(1)
					firstErr.Do(func() { first = err.Error() })
				}
				// A short pause: the loop is a witness, not a load test,
				// and must not starve terraform of the box's CPUs.
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
	}
	wg.Wait()
	n := min(sent.Load(), maxRequests)
	return Probe{Sent: n, Failed: failed.Load(), Clients: clients, Duration: time.Since(start), FirstError: first}
}

func probeOnce(ctx context.Context, client *http.Client, url, backend string) error {
	_, err := fetchBody(ctx, client, url, backend)
	return err
}

// fetchBody sends one request for backend and returns the lab app's
// answer ("lab-app <port> on <machine> …"); anything else is an error.
func fetchBody(ctx context.Context, client *http.Client, url, backend string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("x-switchyard-backend", backend)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "lab-app ") {
		return "", fmt.Errorf("status %d, body %q", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return string(body), nil
}
