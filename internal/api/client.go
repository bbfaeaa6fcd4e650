package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// MaxFrame bounds one frame so a confused peer cannot make the other side
// buffer without limit. 64 MiB fits thousands of map entries.
const MaxFrame = 64 << 20

// FrameReader reads one JSON frame per line.
type FrameReader struct{ s *bufio.Scanner }

// NewFrameReader wraps r.
func NewFrameReader(r io.Reader) *FrameReader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), MaxFrame)
	return &FrameReader{s: s}
}

// Read decodes the next frame into v. It returns io.EOF at a clean end.
func (f *FrameReader) Read(v any) error {
	if !f.s.Scan() {
		if err := f.s.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	return json.Unmarshal(f.s.Bytes(), v)
}

// FrameWriter writes frames; safe for concurrent use.
type FrameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// NewFrameWriter wraps w.
func NewFrameWriter(w io.Writer) *FrameWriter { return &FrameWriter{w: w} }

// Write encodes v as one line.
func (f *FrameWriter) Write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err = f.w.Write(b)
	return err
}

// Client sends requests over one agent session and matches responses to
// callers by id, so any number of goroutines can call at once.
type Client struct {
	w *FrameWriter

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan Response
	err     error // set once the session is gone; every later call fails with it
	done    chan struct{}
}

// NewClient starts reading responses from r (the agent's stdout, positioned
// after the handshake) and sends requests to w (its stdin).
func NewClient(r io.Reader, w io.Writer) *Client {
	c := &Client{w: NewFrameWriter(w), pending: map[uint64]chan Response{}, done: make(chan struct{})}
	go c.readLoop(NewFrameReader(r))
	return c
}

func (c *Client) readLoop(fr *FrameReader) {
	for {
		var resp Response
		err := fr.Read(&resp)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("agent session closed")
			}
			c.fail(fmt.Errorf("reading from agent: %w", err))
			return
		}
		c.mu.Lock()
		ch, ok := c.pending[resp.ID]
		delete(c.pending, resp.ID)
		c.mu.Unlock()
		if ok {
			ch <- resp
		}
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	close(c.done)
	for id, ch := range c.pending {
		delete(c.pending, id)
		close(ch)
	}
}

// Err returns why the session ended, or nil while it is alive.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Call sends method with params and decodes the result into result (which
// may be nil). An agent-side failure comes back as *Error.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	var raw json.RawMessage
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return fmt.Errorf("encoding %s params: %w", method, err)
		}
		raw = b
	}
	ch := make(chan Response, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()

	if err := c.w.Write(Request{ID: id, Method: method, Params: raw}); err != nil {
		c.fail(fmt.Errorf("writing to agent: %w", err))
		return c.Err()
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			return c.Err()
		}
		if resp.Error != nil {
			return resp.Error
		}
		if result != nil && len(resp.Result) > 0 {
			if err := json.Unmarshal(resp.Result, result); err != nil {
				return fmt.Errorf("decoding %s result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		// The agent may still answer; the reader drops an answer nobody waits for.
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return ctx.Err()
	}
}
