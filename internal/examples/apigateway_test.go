package examples

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// The API gateway's users: alice's password is write-only, bob's and
// carol's are hashes. Each check spends its own user's rate budget.
var (
	alice = creds{"alice", "alice-password"}
	bob   = creds{"bob", "bob-password"}
	carol = creds{"carol", "carol-password"}
)

// gatewayRateLimit is small so a burst past it stays a handful of requests.
const gatewayRateLimit = 5

// gatewayAttempts bounds the retries of a check that a reload by another
// test can spoil: every reload of the shared lab HAProxy starts the stick
// table and the cache empty on 2.6.12 (see the traffic policies guide).
const gatewayAttempts = 3

// TestAccTopology_APIGateway: 401 without credentials (also on /static/);
// alice gets 200 up to the rate limit, then 429, while bob still gets 200;
// the second GET of a /static/ path comes from the cache (Age); the servers
// of the API carry the circuit breaker; the plan is empty after the apply.
//
// Not parallel: the rate counters and the cache live in the running
// HAProxy, and the parallel topology tests reload it many times a minute,
// which empties both.
func TestAccTopology_APIGateway(t *testing.T) {
	tp := newTopology(t, "api-gateway", "gw", 8280)
	tp.vars["users"] = map[string]any{
		alice.user: map[string]any{},
		bob.user:   map[string]any{"password_hash": hash(t, bob.password)},
		carol.user: map[string]any{"password_hash": hash(t, carol.password)},
	}
	tp.vars["passwords_wo"] = map[string]string{alice.user: alice.password}
	tp.vars["rate_limit"] = gatewayRateLimit
	tp.apply()

	expectStatus(t, tp.url("/"), creds{}, http.StatusUnauthorized)
	expectStatus(t, tp.url("/static/app.css"), creds{}, http.StatusUnauthorized)
	expectStatus(t, tp.url("/"), creds{alice.user, "wrong"}, http.StatusUnauthorized)
	if t.Failed() {
		return
	}

	tp.rateLimited()
	tp.cached()
	tp.circuitBreaker()
	if t.Failed() {
		return
	}
	tp.noDrift()
}

// rateLimited sends alice gatewayRateLimit+3 requests, which must be 200s
// and then only 429s; then bob must get 200s and alice still 429. An
// attempt that sees HAProxy reloaded meanwhile is tried again with fresh
// counters (after the entries expired); one that did not is a failure.
func (tp *topology) rateLimited() {
	t := tp.t
	t.Helper()
	const period = 10 * time.Second // the topology's default rate_period_seconds
	for attempt := 1; attempt <= gatewayAttempts; attempt++ {
		if attempt > 1 {
			time.Sleep(2*period + time.Second) // the stick table's expire
		}
		before, _ := workerPIDs(tp.ctx, tp.edge)
		var got []int
		for range gatewayRateLimit + 3 {
			code, _ := get(t, tp.url("/api/orders"), alice)
			got = append(got, code)
		}
		bob1, _ := get(t, tp.url("/api/orders"), bob)
		bob2, _ := get(t, tp.url("/api/orders"), bob)
		aliceAgain, _ := get(t, tp.url("/api/orders"), alice)
		after, err := workerPIDs(tp.ctx, tp.edge)

		want := slices.Repeat([]int{http.StatusOK}, gatewayRateLimit)
		want = append(want, slices.Repeat([]int{http.StatusTooManyRequests}, 3)...)
		ok := slices.Equal(got, want) && bob1 == http.StatusOK && bob2 == http.StatusOK &&
			aliceAgain == http.StatusTooManyRequests
		if ok {
			t.Logf("rate limit %d: alice %v, bob %d %d, alice again %d", gatewayRateLimit, got, bob1, bob2, aliceAgain)
			return
		}
		msg := fmt.Sprintf("alice %v (want %v), then bob %d %d (want 200 200), then alice %d (want 429)", got, want, bob1, bob2, aliceAgain)
		if err != nil || len(before) == 0 || slices.Equal(before, after) {
			t.Errorf("rate limit: %s; HAProxy workers %v -> %v (%v): no reload to excuse it", msg, before, after, err)
			return
		}
		t.Logf("rate limit attempt %d spoiled by another test's reload (workers %v -> %v): %s", attempt, before, after, msg)
	}
	t.Errorf("rate limit: every one of %d attempts was spoiled by a reload", gatewayAttempts)
}

// cached GETs a fresh /static/ path twice as carol: the first answer comes
// from an instance (no Age), the second from HAProxy's cache (Age, same
// body). A reload between the two empties the cache: tried again then.
func (tp *topology) cached() {
	t := tp.t
	t.Helper()
	for attempt := 1; attempt <= gatewayAttempts; attempt++ {
		path := fmt.Sprintf("/static/app-%d.css", attempt)
		before, _ := workerPIDs(tp.ctx, tp.edge)
		code1, h1, body1 := getWithHeaders(t, tp.url(path), carol)
		code2, h2, body2 := getWithHeaders(t, tp.url(path), carol)
		after, err := workerPIDs(tp.ctx, tp.edge)

		if code1 != http.StatusOK || h1.Get("Age") != "" || h1.Get("Cache-Control") != "max-age=60" {
			t.Errorf("first GET %s: %d, Age %q, Cache-Control %q; want 200, no Age, max-age=60", path, code1, h1.Get("Age"), h1.Get("Cache-Control"))
			return
		}
		if code2 == http.StatusOK && h2.Get("Age") != "" && body2 == body1 {
			t.Logf("second GET %s: Age %s, %q (from the cache)", path, h2.Get("Age"), body2)
			return
		}
		msg := fmt.Sprintf("second GET %s: %d, Age %q, body %q (first %q)", path, code2, h2.Get("Age"), body2, body1)
		if err != nil || len(before) == 0 || slices.Equal(before, after) {
			t.Errorf("%s; want 200 with an Age and the same body; HAProxy workers %v -> %v (%v): no reload to excuse it", msg, before, after, err)
			return
		}
		t.Logf("cache attempt %d spoiled by another test's reload (workers %v -> %v): %s", attempt, before, after, msg)
	}
	t.Errorf("cache: every one of %d attempts was spoiled by a reload", gatewayAttempts)
}

// circuitBreaker checks the API servers' lines in haproxy.cfg: the
// observation and what an error limit does, as the topology sets them.
func (tp *topology) circuitBreaker() {
	t := tp.t
	t.Helper()
	out, stderr, err := tp.edge.Run(tp.ctx, "sed", "-n", fmt.Sprintf("/^backend %s-api$/,/^$/p", tp.name), "/etc/haproxy/haproxy.cfg")
	if err != nil {
		t.Fatalf("reading haproxy.cfg: %v %s", err, stderr)
	}
	servers := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "server ") {
			continue
		}
		servers++
		for _, kw := range []string{"check", "observe layer7", "error-limit 5", "on-error mark-down", "rise 3", "fall 2"} {
			if !strings.Contains(" "+line+" ", " "+kw+" ") {
				t.Errorf("backend %s-api: server line %q lacks %q", tp.name, strings.TrimSpace(line), kw)
			}
		}
	}
	for _, kw := range []string{"option redispatch", "retries 2", "retry-on conn-failure empty-response response-timeout 502 503 504"} {
		if !containsLine(trimLines(out), kw) {
			t.Errorf("backend %s-api lacks the line %q:\n%s", tp.name, kw, out)
		}
	}
	if servers != 3 {
		t.Errorf("backend %s-api has %d server lines, want 3:\n%s", tp.name, servers, out)
	}
}

// trimLines strips each line's indentation.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// getWithHeaders is get with the response's headers and whole first line.
func getWithHeaders(t *testing.T, rawURL string, c creds) (int, http.Header, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasPrefix(u.Hostname(), "10.147.83.") {
		t.Fatalf("refusing to send a request outside the lab: %s", rawURL)
	}
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(c.user, c.password)
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b))
}
