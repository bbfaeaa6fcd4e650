package faults

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestProbeCountsFailures: against a server that answers like a lab app
// except for every third request, the loop stops at its request bound and
// counts exactly the bad answers, the first one named.
func TestProbeCountsFailures(t *testing.T) {
	var n atomic.Int64
	conns := map[string]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			http.Error(w, "no server available", http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintln(w, "lab-app 8080 on test path=/")
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns[c.RemoteAddr().String()] = true
		}
	}
	srv.Start()
	defer srv.Close()

	got := startProbe(srv.URL+"/", 9, time.Minute).waitAndStop(t)
	if got.Sent != 9 || got.Failed != 3 {
		t.Errorf("sent %d failed %d, want 9 and 3", got.Sent, got.Failed)
	}
	if !strings.Contains(got.FirstError, "status 503") {
		t.Errorf("first error %q does not say status 503", got.FirstError)
	}
	srv.Close() // ConnState runs on the server's goroutines: read conns after
	if len(conns) != 9 {
		t.Errorf("%d connections for 9 requests, want one each", len(conns))
	}
}

// TestProbeStopsAtItsTime: a server that never answers in time makes every
// request fail, and the time bound ends the loop.
func TestProbeStopsAtItsTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintln(w, "not a lab app")
	}))
	defer srv.Close()
	start := time.Now()
	got := startProbe(srv.URL+"/", 1<<30, 300*time.Millisecond).waitAndStop(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the loop ran %s, bound 300ms", d)
	}
	if got.Sent == 0 || got.Failed != got.Sent {
		t.Errorf("sent %d failed %d, want every request failed", got.Sent, got.Failed)
	}
}

// TestStartProbeRefusesOutsideTheLab: the loop only ever targets the lab.
func TestStartProbeRefusesOutsideTheLab(t *testing.T) {
	if p, err := StartProbe("http://127.0.0.1:8080/", 1, time.Second); err == nil {
		p.Stop()
		t.Fatal("StartProbe accepted an address outside the lab")
	}
}

// waitAndStop waits for the loop to end by its own bounds, then stops it.
func (p *Probe) waitAndStop(t *testing.T) ProbeResult {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the loop did not end by its bounds")
	}
	return p.Stop()
}
