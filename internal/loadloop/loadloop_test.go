package loadloop

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server answers with its path; every 7th request (when failEvery is set)
// gets a 503.
func server(t *testing.T, failEvery int64) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := n.Add(1); failEvery > 0 && i%failEvery == 0 {
			http.Error(w, "no server", http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintf(w, "app path=%s\n", r.URL.Path)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func options(s *httptest.Server) Options {
	return Options{
		URL: func(c, i int) string { return fmt.Sprintf("%s/%d/%d", s.URL, c, i) },
		Classify: func(url, body string) (string, error) {
			if !strings.HasSuffix(url, strings.TrimPrefix(body, "app path=")) {
				return "", errors.New("answer for another request: " + body)
			}
			return "app", nil
		},
		Min: 50, Max: 20 * time.Second,
	}
}

func TestLoop(t *testing.T) {
	tests := []struct {
		name       string
		failEvery  int64
		wantFailed bool
	}{
		{"all answered", 0, false},
		{"a 503 now and then fails the loop", 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n := server(t, tt.failEvery)
			r := Start(options(s)).Stop()
			if r.Sent < 50 || int64(r.Sent) != n.Load() {
				t.Errorf("sent %d, server saw %d, want the same and >= 50", r.Sent, n.Load())
			}
			if got := r.Err() != nil; got != tt.wantFailed {
				t.Errorf("Err = %v, want failure %v (%s)", r.Err(), tt.wantFailed, r)
			}
			if !tt.wantFailed && r.By["app"] != r.Sent {
				t.Errorf("By = %v, want all %d by app", r.By, r.Sent)
			}
			if tt.wantFailed && (r.Failed != r.Sent/7 || len(r.Errors) == 0 || !strings.Contains(r.Errors[0], "503")) {
				t.Errorf("failed %d of %d, errors %q: want every 7th, with the status", r.Failed, r.Sent, r.Errors)
			}
		})
	}
}

func TestLoopClassifyFails(t *testing.T) {
	s, _ := server(t, 0)
	o := options(s)
	o.URL = func(c, i int) string { return s.URL + "/same" }
	o.Classify = func(string, string) (string, error) { return "", errors.New("wrong version") }
	if err := Start(o).Stop().Err(); err == nil || !strings.Contains(err.Error(), "wrong version") {
		t.Errorf("Err = %v, want the classification error", err)
	}
}

func TestLoopStopsAtMax(t *testing.T) {
	s, _ := server(t, 0)
	o := options(s)
	o.Min, o.Max = 1<<30, 300*time.Millisecond
	start := time.Now()
	r := Start(o).Stop()
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("loop ran %s, want it bounded by Max (300ms)", took)
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "only") {
		t.Errorf("Err = %v, want too few requests", err)
	}
}

// Header goes with every request: a server that needs it fails the rest.
func TestLoopHeader(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Backend") != "web" {
			http.Error(w, "no backend", http.StatusServiceUnavailable)
			return
		}
		_, _ = fmt.Fprintf(w, "app path=%s\n", r.URL.Path)
	}))
	t.Cleanup(s.Close)
	o := options(s)
	if r := Start(o).Stop(); r.Failed != r.Sent {
		t.Fatalf("without the header: %d of %d failed, want all", r.Failed, r.Sent)
	}
	o.Header = http.Header{"X-Backend": {"web"}}
	if r := Start(o).Stop(); r.Err() != nil {
		t.Fatalf("with the header: %v", r.Err())
	}
}

// Do replaces the GET: its keys and errors are counted like answers.
func TestLoopDo(t *testing.T) {
	var calls atomic.Int64
	r := Start(Options{Min: 30, Max: 10 * time.Second, Do: func(c, i int) (string, error) {
		if calls.Add(1)%10 == 0 {
			return "", errors.New("handshake failed")
		}
		return fmt.Sprintf("client%d", c), nil
	}}).Stop()
	if int64(r.Sent) != calls.Load() || r.Sent < 30 {
		t.Fatalf("sent %d, Do called %d times, want the same and >= 30", r.Sent, calls.Load())
	}
	if r.Failed != r.Sent/10 || r.By["client0"]+r.By["client1"] != r.Sent-r.Failed {
		t.Fatalf("failed %d, by %v of %d sent: want every 10th failed and the rest by client", r.Failed, r.By, r.Sent)
	}
}
