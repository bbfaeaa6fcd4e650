package agent

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// countingReloader is a fake haproxy.Reloader: it only counts, after an
// optional delay that keeps a batch busy.
type countingReloader struct {
	n     atomic.Int64
	delay time.Duration
}

func (c *countingReloader) Reload(context.Context) error {
	c.n.Add(1)
	time.Sleep(c.delay)
	return nil
}

type session struct {
	client *api.Client
	in     *io.PipeWriter
	done   chan error
	log    *syncBuffer
	cfg    string
	rel    *countingReloader
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a Server over two io.Pipes, with the api.Client on the other end.
func start(t *testing.T, batchWindow time.Duration) *session {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/haproxy"); err != nil {
		t.Fatalf("install haproxy (make deps): the session tests run the real haproxy -c: %v", err)
	}
	dir := t.TempDir()
	src, err := os.ReadFile("haproxy/testdata/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, src, 0o644); err != nil {
		t.Fatal(err)
	}
	rel := &countingReloader{delay: 50 * time.Millisecond}
	srv := NewServer(Options{
		TransactionDir: filepath.Join(dir, "tx"),
		LockFile:       filepath.Join(dir, "lock"),
		BatchWindow:    batchWindow,
		Reloader:       rel,
	})
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	s := &session{in: reqW, done: make(chan error, 1), log: &syncBuffer{}, cfg: cfg, rel: rel}
	go func() {
		err := srv.Serve(context.Background(), reqR, respW, s.log)
		_ = respW.Close()
		s.done <- err
	}()
	s.client = api.NewClient(respR, reqW)
	t.Cleanup(func() { _ = reqW.Close() })
	return s
}

func (s *session) configure(t *testing.T) api.HostInfo {
	t.Helper()
	var info api.HostInfo
	err := s.client.Call(context.Background(), api.MethodConfigure,
		api.Configure{HAProxy: api.HAProxySettings{ConfigFile: s.cfg, Binary: "/usr/sbin/haproxy"}}, &info)
	if err != nil {
		t.Fatalf("configure: %v", err)
	}
	return info
}

func errCode(err error) string {
	if e, ok := api.AsError(err); ok {
		return e.Code
	}
	if err != nil {
		return "not an *api.Error: " + err.Error()
	}
	return ""
}

func TestConfigureFirst(t *testing.T) {
	s := start(t, -1)
	ctx := context.Background()
	for _, m := range []string{api.MethodHostInfo, api.MethodBackendList, api.MethodBackendGet} {
		err := s.client.Call(ctx, m, api.BackendRef{Name: "x"}, nil)
		if errCode(err) != api.CodeInvalid {
			t.Errorf("%s before configure: %v, want %s", m, err, api.CodeInvalid)
		}
	}
	info := s.configure(t)
	if info.Protocol != api.ProtocolVersion || info.HAProxyVersion == "" || info.Requests != 4 {
		t.Errorf("configure result = %+v", info)
	}
	if err := s.client.Call(ctx, "haproxy.frobnicate", nil, nil); errCode(err) != api.CodeUnknown {
		t.Errorf("unknown method: %v, want %s", err, api.CodeUnknown)
	}
	if err := s.client.Call(ctx, api.MethodBackendGet, map[string]any{"name": "x", "bogus": 1}, nil); errCode(err) != api.CodeInvalid {
		t.Errorf("unknown param field: %v, want %s", err, api.CodeInvalid)
	}
	var names api.NameList
	if err := s.client.Call(ctx, api.MethodBackendList, nil, &names); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"legacy"}, names.Names); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

// TestConcurrentCallsShareOneReload plays a Terraform apply wave: ten
// creates at once over one session cost one reload, and a read sent after
// them is answered before they are (responses out of order).
func TestConcurrentCallsShareOneReload(t *testing.T) {
	s := start(t, 200*time.Millisecond)
	s.configure(t)
	ctx := context.Background()
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	got := make([]api.Backend, n)
	var order []string
	var orderMu sync.Mutex
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := api.Backend{Name: "b" + string(rune('a'+i)), Balance: "roundrobin",
				Servers: []api.Server{{Name: "s1", Address: "127.0.0.1", Port: ptr(int64(9000 + i)), Check: true}}}
			errs[i] = s.client.Call(ctx, api.MethodBackendCreate, b, &got[i])
			orderMu.Lock()
			order = append(order, "create")
			orderMu.Unlock()
		}()
	}
	time.Sleep(20 * time.Millisecond) // the creates are in the batch window now
	var legacy api.Backend
	if err := s.client.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "legacy"}, &legacy); err != nil {
		t.Fatal(err)
	}
	orderMu.Lock()
	order = append(order, "get")
	orderMu.Unlock()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
		if got[i].Servers[0].Port == nil || *got[i].Servers[0].Port != int64(9000+i) {
			t.Errorf("create %d read back %+v", i, got[i])
		}
	}
	if order[0] != "get" {
		t.Errorf("the get was answered after the creates: %v", order)
	}
	var info api.HostInfo
	if err := s.client.Call(ctx, api.MethodHostInfo, nil, &info); err != nil {
		t.Fatal(err)
	}
	if info.Reloads != 1 {
		t.Errorf("reloads = %d, want 1 for one wave of %d creates", info.Reloads, n)
	}
	if info.Requests != n+3 {
		t.Errorf("requests = %d, want %d", info.Requests, n+3)
	}
}

func TestErrorsCrossTheWire(t *testing.T) {
	s := start(t, -1)
	s.configure(t)
	ctx := context.Background()
	err := s.client.Call(ctx, api.MethodBackendCreate, api.Backend{Name: "bad", Servers: []api.Server{{Name: "s", Address: "999.1.1.1", Port: ptr(int64(80))}}}, nil)
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeRejected || !strings.Contains(e.Detail, "could not resolve address '999.1.1.1'") {
		t.Errorf("rejected create: %#v", err)
	}
	if err := s.client.Call(ctx, api.MethodBackendGet, api.BackendRef{Name: "nope"}, nil); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("get missing: %v, want not found", err)
	}
	if err := s.client.Call(ctx, api.MethodBackendDelete, api.BackendRef{Name: "legacy"}, nil); err != nil {
		t.Errorf("delete: %v", err)
	}
}

func TestEOFWaitsForInFlight(t *testing.T) {
	s := start(t, -1)
	s.configure(t)
	s.rel.delay = 300 * time.Millisecond
	res := make(chan error, 1)
	go func() {
		res <- s.client.Call(context.Background(), api.MethodBackendCreate, api.Backend{Name: "late"}, nil)
	}()
	time.Sleep(50 * time.Millisecond)
	_ = s.in.Close() // stdin EOF while the create is reloading
	if err := <-res; err != nil {
		t.Errorf("in-flight create: %v", err)
	}
	if err := <-s.done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	logs := s.log.String()
	if !strings.Contains(logs, "haproxy.backend.create id=") || !strings.Contains(logs, " ok") {
		t.Errorf("log lacks the create line:\n%s", logs)
	}
	if strings.Contains(logs, "late") {
		t.Errorf("log contains params:\n%s", logs)
	}
}

func TestMalformedFrame(t *testing.T) {
	s := start(t, -1)
	// Bypass the client: a line that is not JSON. The agent answers it with
	// id 0 (which the client drops) and keeps the session.
	if _, err := io.WriteString(s.in, "{not json\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Call(context.Background(), api.MethodHostInfo, nil, nil); errCode(err) != api.CodeInvalid {
		t.Errorf("after a bad frame: %v, want %s (not configured)", err, api.CodeInvalid)
	}
	if !strings.Contains(s.log.String(), "frame error") {
		t.Errorf("bad frame not logged:\n%s", s.log.String())
	}
}

func ptr[T any](v T) *T { return &v }
