package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

func TestErrorsIs(t *testing.T) {
	notFound := Errorf(CodeNotFound, "backend %q does not exist", "web")
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same code", notFound, ErrNotFound, true},
		{"other code", notFound, ErrExists, false},
		{"exists", Errorf(CodeExists, "x"), ErrExists, true},
		{"rejected is not invalid", Errorf(CodeRejected, "x"), ErrInvalid, false},
		{"wrapped", fmt.Errorf("reading: %w", notFound), ErrNotFound, true},
		// Only message-less sentinels match by code: a concrete error is
		// not "the same" as another one with the same code.
		{"target with a message", notFound, Errorf(CodeNotFound, "other"), false},
		{"plain error", errors.New("not_found"), ErrNotFound, false},
		{"nil", nil, ErrNotFound, false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is(%v, %v) = %v, want %v", tt.name, tt.err, tt.target, got, tt.want)
		}
	}
}

func TestErrorf(t *testing.T) {
	e := Errorf(CodeInvalid, "bad %s %d", "port", 70000)
	if e.Code != CodeInvalid || e.Message != "bad port 70000" || e.Detail != "" {
		t.Errorf("got %+v", e)
	}
	if got, want := e.Error(), "bad port 70000"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e.Detail = "[ALERT] parsing haproxy.cfg"
	if got, want := e.Error(), "bad port 70000:\n[ALERT] parsing haproxy.cfg"; got != want {
		t.Errorf("Error() with detail = %q, want %q", got, want)
	}
	if got, ok := AsError(fmt.Errorf("ctx: %w", e)); !ok || got != e {
		t.Errorf("AsError = %v, %v", got, ok)
	}
	if _, ok := AsError(errors.New("x")); ok {
		t.Error("AsError of a plain error says ok")
	}
}

// The agent's error reaches the provider's caller intact, and errors.Is
// still tells not-found (remove from state) from the rest.
func TestErrorRoundTrip(t *testing.T) {
	sent := &Error{Code: CodeNotFound, Message: `map "m" has no key "k"`, Detail: "raw tool output"}
	b, err := json.Marshal(Response{ID: 1, Error: sent})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"id":1,"error":{"code":"not_found","message":"map \"m\" has no key \"k\"","detail":"raw tool output"}}`; got != want {
		t.Errorf("wire form\n got %s\nwant %s", got, want)
	}

	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	defer func() { _ = reqR.Close() }()
	defer func() { _ = respW.Close() }()
	c := NewClient(respR, reqW)
	fakeAgent(t, reqR, respW, 1, []int{0}, func(r Request) Response { return Response{ID: r.ID, Error: sent} })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var result map[string]any
	err = c.Call(ctx, MethodMapEntryGet, MapEntryRef{Map: "m", Key: "k"}, &result)
	got, ok := AsError(err)
	if !ok || *got != *sent {
		t.Fatalf("Call error = %#v, want %#v", err, sent)
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) {
		t.Errorf("errors.Is: not found %v, exists %v", errors.Is(err, ErrNotFound), errors.Is(err, ErrExists))
	}
	if result != nil {
		t.Errorf("result set on error: %v", result)
	}
}
