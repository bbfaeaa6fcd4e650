// Package agent is the program the provider runs on each machine over SSH:
// it reads requests (one JSON frame per line) on stdin, handles each in its
// own goroutine and writes the responses, in any order, on stdout.
package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/agent/haproxy"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/machinelock"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/netns"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemctl"
	"github.com/switchyard/terraform-provider-switchyard/internal/agent/systemd"
	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Options are the agent's internal settings, not part of the protocol: the
// machine-side directories and the reload step. Tests point them at
// t.TempDir() and a fake Reloader.
type Options struct {
	TransactionDir string           // default haproxy.DefaultTransactionDir
	LockFile       string           // default machinelock.DefaultPath
	BatchWindow    time.Duration    // default haproxy.DefaultBatchWindow; <0 means none
	Reloader       haproxy.Reloader // default: systemd + master CLI confirmation
	Systemctl      systemctl.Runner // default systemctl.Exec
}

// Server is one agent session.
type Server struct {
	opts Options
	// lock is the machine lock, one for the whole session: every kind of
	// change takes it.
	lock       *machinelock.Lock
	namespaces *netns.Namespaces
	services   *systemd.Services

	started  time.Time
	requests atomic.Int64
	reloads  atomic.Int64
	pipeline haproxy.PipelineCounters
	methods  methodCounts

	mu             sync.RWMutex
	hap            *haproxy.Manager // nil until agent.configure
	haproxyVersion string

	logMu sync.Mutex
	log   io.Writer
}

// NewServer returns a session with opts.
func NewServer(opts Options) *Server {
	if opts.Systemctl == nil {
		opts.Systemctl = systemctl.Exec{}
	}
	lock := machinelock.New(opts.LockFile, 0)
	return &Server{
		opts:       opts,
		lock:       lock,
		namespaces: &netns.Namespaces{Systemctl: opts.Systemctl, Lock: lock},
		services:   &systemd.Services{Systemctl: opts.Systemctl, Lock: lock},
		started:    time.Now(),
	}
}

// Serve runs a session with the default options.
func Serve(ctx context.Context, r io.Reader, w io.Writer, log io.Writer) error {
	return NewServer(Options{}).Serve(ctx, r, w, log)
}

// handler handles one method; a returned error that is not an *api.Error is
// reported as CodeInternal.
type handler func(ctx context.Context, params json.RawMessage) (any, error)

func (s *Server) handlers() map[string]handler {
	h := map[string]handler{
		api.MethodConfigure: s.configure,
		api.MethodHostInfo:  s.hostInfo,

		api.MethodNamespaceGet:    s.namespaceGet,
		api.MethodNamespaceEnsure: s.namespaceEnsure,
		api.MethodNamespaceDelete: s.namespaceDelete,

		api.MethodServiceGet:    s.serviceGet,
		api.MethodServiceApply:  s.serviceApply,
		api.MethodServiceDelete: s.serviceDelete,

		api.MethodInventory: s.inventory,
	}
	for method, f := range s.haproxyHandlers() {
		h[method] = f
	}
	return h
}

// Serve reads requests from r until EOF, or until ctx ends (the agent got
// a signal), and writes responses to w. Each request runs in its own
// goroutine, so a slow change (validation, reload) does not hold up reads;
// at the end it waits for the requests in flight, so a queued change still
// finishes and is answered.
// Logs go to log, one line per request, and never contain params: they
// will carry secrets.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	s.log = log
	handlers := s.handlers()
	fw := api.NewFrameWriter(w)
	var wg sync.WaitGroup
	defer wg.Wait()
	// The reader has its own goroutine so that a signal ends the session
	// even while stdin stays open; it is left blocked in Read then, and
	// goes with the process.
	frames := make(chan frame)
	go readFrames(api.NewFrameReader(r), frames, ctx.Done())
	for {
		var f frame
		select {
		case <-ctx.Done():
			return nil
		case f = <-frames:
		}
		if errors.Is(f.err, io.EOF) {
			return nil
		}
		if err := f.err; err != nil {
			var syn *json.SyntaxError
			var typ *json.UnmarshalTypeError
			if errors.As(err, &syn) || errors.As(err, &typ) {
				// One bad frame; the line structure is intact, go on.
				s.logf("frame error: %v", err)
				_ = fw.Write(api.Response{Error: api.Errorf(api.CodeInvalid, "malformed request frame: %v", err)})
				continue
			}
			return fmt.Errorf("reading requests: %w", err)
		}
		req := f.req
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := s.handle(ctx, handlers, req)
			if err := fw.Write(resp); err != nil {
				s.logf("writing response %d: %v", req.ID, err)
			}
		}()
	}
}

// frame is one read from the request stream: a request or why there is none.
type frame struct {
	req api.Request
	err error
}

// readFrames sends every frame of fr to out until a read fails for good
// (EOF included) or done closes.
func readFrames(fr *api.FrameReader, out chan<- frame, done <-chan struct{}) {
	for {
		var f frame
		f.err = fr.Read(&f.req)
		select {
		case out <- f:
		case <-done:
			return
		}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if f.err != nil && !errors.As(f.err, &syn) && !errors.As(f.err, &typ) {
			return
		}
	}
}

func (s *Server) handle(ctx context.Context, handlers map[string]handler, req api.Request) (resp api.Response) {
	s.requests.Add(1)
	s.methods.add(req.Method)
	start := time.Now()
	resp.ID = req.ID
	defer func() {
		if p := recover(); p != nil {
			resp.Result = nil
			resp.Error = api.Errorf(api.CodeInternal, "%s: agent panic: %v", req.Method, p)
		}
		code := "ok"
		if resp.Error != nil {
			code = resp.Error.Code
		}
		s.logf("%s id=%d %s %s", req.Method, req.ID, time.Since(start).Round(time.Millisecond), code)
	}()

	h, ok := handlers[req.Method]
	if !ok {
		resp.Error = api.Errorf(api.CodeUnknown, "unknown method %q (agent protocol %d)", req.Method, api.ProtocolVersion)
		return resp
	}
	result, err := h(ctx, req.Params)
	if err != nil {
		e, ok := api.AsError(err)
		if !ok {
			e = &api.Error{Code: api.CodeInternal, Message: fmt.Sprintf("%s: %v", req.Method, err)}
		}
		resp.Error = e
		return resp
	}
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			resp.Error = api.Errorf(api.CodeInternal, "%s: encoding result: %v", req.Method, err)
			return resp
		}
		resp.Result = b
	}
	return resp
}

func (s *Server) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	// A log that cannot be written must not fail the request it describes.
	_, _ = fmt.Fprintf(s.log, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05.000")}, args...)...)
}

// decode unmarshals params strictly: an unknown field is a protocol
// mismatch that should fail loudly, not be ignored.
func decode(params json.RawMessage, v any) error {
	if len(params) == 0 {
		return api.Errorf(api.CodeInvalid, "missing params")
	}
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return api.Errorf(api.CodeInvalid, "invalid params: %v", err)
	}
	return nil
}
