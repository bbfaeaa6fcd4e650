package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFrameReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Request
		wantErr error // after the frames in want; nil: a clean io.EOF
		anyErr  bool  // an error that is neither io.EOF nor wantErr (decoding)
	}{
		{name: "empty", in: ""},
		{
			name: "two frames",
			in:   `{"id":1,"method":"a"}` + "\n" + `{"id":2,"method":"b","params":{"x":1}}` + "\n",
			want: []Request{{ID: 1, Method: "a"}, {ID: 2, Method: "b", Params: []byte(`{"x":1}`)}},
		},
		{
			// The writer always ends a frame with a newline; a last line
			// without one is still a whole JSON object, so it is read.
			name: "last frame without newline",
			in:   `{"id":7,"method":"a"}`,
			want: []Request{{ID: 7, Method: "a"}},
		},
		{
			// The peer died mid-frame: that is an error, not a clean end
			// that would look like the session closing normally.
			name:   "partial frame",
			in:     `{"id":1,"method":"a"}` + "\n" + `{"id":2,"meth`,
			want:   []Request{{ID: 1, Method: "a"}},
			anyErr: true,
		},
		{
			name:    "over-long frame",
			in:      `{"id":1,"method":"` + strings.Repeat("x", MaxFrame) + `"}` + "\n",
			wantErr: bufio.ErrTooLong,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := NewFrameReader(strings.NewReader(tt.in))
			var got []Request
			var err error
			for {
				var r Request
				if err = fr.Read(&r); err != nil {
					break
				}
				got = append(got, r)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("frames (-want +got):\n%s", d)
			}
			switch {
			case tt.anyErr:
				if err == nil || errors.Is(err, io.EOF) {
					t.Errorf("err = %v, want a decoding error", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			default:
				if !errors.Is(err, io.EOF) {
					t.Errorf("err = %v, want io.EOF", err)
				}
			}
		})
	}
}

func TestFrameReaderLargeFrame(t *testing.T) {
	// Big answers (thousands of map entries) must fit: 1 MiB, well past
	// bufio's 64 KiB default.
	value := strings.Repeat("v", 1<<20)
	var buf bytes.Buffer
	if err := NewFrameWriter(&buf).Write(Request{ID: 3, Method: value}); err != nil {
		t.Fatal(err)
	}
	var r Request
	if err := NewFrameReader(&buf).Read(&r); err != nil {
		t.Fatal(err)
	}
	if r.ID != 3 || r.Method != value {
		t.Errorf("got id %d, method of %d bytes", r.ID, len(r.Method))
	}
}

func TestFrameWriterOneLinePerFrame(t *testing.T) {
	var buf bytes.Buffer
	fw := NewFrameWriter(&buf)
	// A newline inside a value must not split the frame.
	for _, m := range []string{"a\nb", "c"} {
		if err := fw.Write(Request{ID: 1, Method: m}); err != nil {
			t.Fatal(err)
		}
	}
	want := `{"id":1,"method":"a\nb"}` + "\n" + `{"id":1,"method":"c"}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// fakeAgent answers the requests it reads on in with answer, in the order
// order gives them (indexes into the requests, once count have arrived).
func fakeAgent(t *testing.T, in io.Reader, out io.Writer, count int, order []int, answer func(Request) Response) <-chan []Request {
	t.Helper()
	done := make(chan []Request, 1)
	go func() {
		fr, fw := NewFrameReader(in), NewFrameWriter(out)
		var reqs []Request
		for len(reqs) < count {
			var r Request
			if err := fr.Read(&r); err != nil {
				t.Errorf("fake agent: %v", err)
				done <- reqs
				return
			}
			reqs = append(reqs, r)
		}
		for _, i := range order {
			if err := fw.Write(answer(reqs[i])); err != nil {
				t.Errorf("fake agent: %v", err)
			}
		}
		done <- reqs
	}()
	return done
}

func TestClientMatchesAnswersByID(t *testing.T) {
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	defer func() { _ = reqR.Close() }()
	defer func() { _ = respW.Close() }()
	c := NewClient(respR, reqW)

	// Answers come back in reverse, with one for an id nobody asked about
	// first: each caller must still get its own.
	seen := fakeAgent(t, reqR, respW, 3, []int{2, 1, 0}, func(r Request) Response {
		return Response{ID: r.ID, Result: []byte(`"` + r.Method + `"`)}
	})
	go func() { _ = NewFrameWriter(respW).Write(Response{ID: 999, Result: []byte(`"stray"`)}) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type result struct{ method, got string }
	results := make(chan result, 3)
	for _, m := range []string{"one", "two", "three"} {
		go func() {
			var got string
			if err := c.Call(ctx, m, nil, &got); err != nil {
				got = "error: " + err.Error()
			}
			results <- result{m, got}
		}()
	}
	for range 3 {
		r := <-results
		if r.got != r.method {
			t.Errorf("call %q got %q", r.method, r.got)
		}
	}
	reqs := <-seen
	ids := map[uint64]bool{}
	for _, r := range reqs {
		ids[r.ID] = true
	}
	if d := cmp.Diff(map[uint64]bool{1: true, 2: true, 3: true}, ids); d != "" {
		t.Errorf("request ids (-want +got):\n%s", d)
	}
}

func TestClientSessionEnd(t *testing.T) {
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	c := NewClient(respR, reqW)
	go func() {
		var r Request
		_ = NewFrameReader(reqR).Read(&r)
		_ = respW.Close() // the agent goes away without answering
	}()
	err := c.Call(context.Background(), "m", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "agent session closed") {
		t.Fatalf("err = %v, want the session's end", err)
	}
	// Every later call fails at once with the same reason.
	if err2 := c.Call(context.Background(), "m", nil, nil); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("later call: %v, want %v", err2, err)
	}
	if c.Err() == nil {
		t.Error("Err() is nil after the session ended")
	}
}

func TestHandshake(t *testing.T) {
	tests := []struct {
		line    string
		want    Handshake
		ok      bool
		wantErr bool
	}{
		{line: Handshake{Protocol: 1, Version: "dev"}.String() + "\n", want: Handshake{Protocol: 1, Version: "dev"}, ok: true},
		{line: "SWITCHYARD-AGENT 2 v1.2.3\r\n", want: Handshake{Protocol: 2, Version: "v1.2.3"}, ok: true},
		{line: "Welcome to Debian\n"},
		{line: ""},
		{line: "SWITCHYARD-AGENT 1\n", ok: true, wantErr: true},
		{line: "SWITCHYARD-AGENT one dev\n", ok: true, wantErr: true},
	}
	for _, tt := range tests {
		got, ok, err := ParseHandshake(tt.line)
		if got != tt.want || ok != tt.ok || (err != nil) != tt.wantErr {
			t.Errorf("ParseHandshake(%q) = %+v, %v, %v; want %+v, %v, error %v", tt.line, got, ok, err, tt.want, tt.ok, tt.wantErr)
		}
	}
}
