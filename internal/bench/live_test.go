package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// labApp answers like the lab apps behind HAProxy: round robin over
// 8080–8082 until the change is live, then only from 8082.
func labApp(t *testing.T, liveAfter int64) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-switchyard-backend") != "bench-0000" {
			http.Error(w, "no backend", http.StatusServiceUnavailable)
			return
		}
		i := n.Add(1)
		port := 8080 + (i-1)%3
		if i > liveAfter {
			port = 8082
		}
		_, _ = fmt.Fprintf(w, "lab-app %d on swlab-1 path=/bench\n", port)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestPollLive(t *testing.T) {
	ctx := context.Background()
	// Live from the 7th request: round robin gave 8082 at the 3rd and the
	// 6th, so the 6th, 7th and 8th are three in a row, but only the 7th
	// proves the change (two in a row) and gives the time.
	srv, n := labApp(t, 6)
	d, ok := pollLive(ctx, srv.URL, "bench-0000", 8082, 5*time.Second)
	if !ok {
		t.Fatalf("not live after %s", d)
	}
	if got := n.Load(); got != 8 {
		t.Errorf("%d requests, want 8 (three in a row from 8082 end at the 8th)", got)
	}
	if d < 6*livePoll {
		t.Errorf("live after %s: before the 7th request (6 pauses of %s)", d, livePoll)
	}
	// Never live: round robin forever, bounded by the poll's bound.
	srv, _ = labApp(t, 1<<40)
	start := time.Now()
	if d, ok := pollLive(ctx, srv.URL, "bench-0000", 8082, 300*time.Millisecond); ok {
		t.Errorf("live after %s although the backend never moved", d)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("the poll ran %s past its bound", time.Since(start))
	}
}
