// Package loadloop is the bounded request loop behind the zero-downtime
// tests: a few clients send GET requests, each on a new connection (so
// every request is balanced anew and none rides a connection to a worker
// from before a reload), while a change is applied, and count what failed.
//
// A loop runs from Start until Stop and until it has sent at least Min
// requests, and never longer than Max: it proves something about the
// change only if it covered it, and it must not hammer a shared lab
// machine forever when a test hangs.
package loadloop

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure a loop: URL and Classify for plain GET requests, or
// Do for any other kind of request (a TLS handshake that looks at the
// certificate, say).
type Options struct {
	// Do, when set, sends the i-th request of one client and says who
	// answered; URL, Classify and Header are then unused.
	Do func(client, i int) (string, error)
	// URL returns the address of the i-th request of one client; distinct
	// paths let Classify check that an answer is for its own request.
	URL func(client, i int) string
	// Classify checks a 200 answer's body and says who answered (an app, a
	// version): the loop counts answers by that key. An error counts the
	// request as failed.
	Classify func(url, body string) (string, error)
	// Header is sent with every request (e.g. the lab frontend's
	// backend-selecting header); nil sends none.
	Header  http.Header
	Min     int           // requests to send at least; default 2000
	Max     time.Duration // longest run; default 90s
	Clients int           // concurrent clients; default 2
	Timeout time.Duration // per request; default 10s
}

// Loop is a running request loop.
type Loop struct {
	opts Options
	stop chan struct{}
	done sync.WaitGroup

	mu      sync.Mutex
	sent    int
	failed  int
	errs    []string
	by      map[string]int
	stopped int // requests sent when Stop was called
}

// Result is what a loop saw.
type Result struct {
	Sent int
	Min  int // the loop's Options.Min
	// BeforeStop is how many were sent before Stop was called: during the
	// change, when Stop is called as soon as the change is done.
	BeforeStop int
	Failed     int
	Errors     []string       // the first few failures
	By         map[string]int // answers by Classify's key
}

// maxErrors bounds the failures a Result keeps as text.
const maxErrors = 5

// Start starts the clients.
func Start(o Options) *Loop {
	if o.Min <= 0 {
		o.Min = 2000
	}
	if o.Max <= 0 {
		o.Max = 90 * time.Second
	}
	if o.Clients <= 0 {
		o.Clients = 2
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	l := &Loop{opts: o, stop: make(chan struct{}), by: map[string]int{}}
	deadline := time.Now().Add(o.Max)
	for c := range o.Clients {
		l.done.Add(1)
		go l.client(c, deadline)
	}
	return l
}

func (l *Loop) client(c int, deadline time.Time) {
	defer l.done.Done()
	client := &http.Client{Timeout: l.opts.Timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; time.Now().Before(deadline); i++ {
		select {
		case <-l.stop:
			l.mu.Lock()
			enough := l.sent >= l.opts.Min
			l.mu.Unlock()
			if enough {
				return
			}
		default:
		}
		var key string
		var err error
		if l.opts.Do != nil {
			key, err = l.opts.Do(c, i)
		} else {
			key, err = l.one(client, l.opts.URL(c, i))
		}
		l.mu.Lock()
		l.sent++
		if err != nil {
			l.failed++
			if len(l.errs) < maxErrors {
				l.errs = append(l.errs, err.Error())
			}
		} else {
			l.by[key]++
		}
		l.mu.Unlock()
	}
}

func (l *Loop) one(client *http.Client, url string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	for k, v := range l.opts.Header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }() // only read
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %q", url, resp.Status, body)
	}
	return l.opts.Classify(url, strings.TrimSpace(string(body)))
}

// Stop stops the loop once it has sent Min requests (or Max is over) and
// returns what it saw.
func (l *Loop) Stop() Result {
	l.mu.Lock()
	l.stopped = l.sent
	l.mu.Unlock()
	close(l.stop)
	l.done.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	by := make(map[string]int, len(l.by))
	for k, v := range l.by {
		by[k] = v
	}
	return Result{Sent: l.sent, Min: l.opts.Min, BeforeStop: l.stopped, Failed: l.failed, Errors: append([]string(nil), l.errs...), By: by}
}

// Err says what makes the result a failure: too few requests (the loop
// did not cover the change) or any failed request.
func (r Result) Err() error {
	if r.Sent < r.Min {
		return fmt.Errorf("only %d requests sent, want at least %d", r.Sent, r.Min)
	}
	if r.Failed > 0 {
		return fmt.Errorf("%d of %d requests failed, first: %s", r.Failed, r.Sent, strings.Join(r.Errors, "; "))
	}
	return nil
}

// String is the one-line summary the tests log and the docs quote.
func (r Result) String() string {
	keys := make([]string, 0, len(r.By))
	for k := range r.By {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, r.By[k]))
	}
	return fmt.Sprintf("%d requests sent (%d before the stop), %d failed, answered by {%s}", r.Sent, r.BeforeStop, r.Failed, strings.Join(parts, ", "))
}
