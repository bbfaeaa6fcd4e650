package runtime

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseShowMap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		out     string
		want    []Entry
		wantErr error
	}{
		{"empty", "\n", []Entry{}, nil},
		{"entries", "0x55 vip deluxe\n0x56 john a b c\n\n", []Entry{{"vip", "deluxe"}, {"john", "a b c"}}, nil},
		{"not loaded", "Unknown map identifier. Please use #<id> or <file>.\n\n", nil, ErrNotLoaded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseShowMap(tc.out)
			if err != tc.wantErr {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ParseShowMap("Permission denied\n"); err == nil || err == ErrNotLoaded {
		t.Errorf("a refusal must be an error other than ErrNotLoaded, got %v", err)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":   "plain",
		"a b":     `a\ b`,
		"x;y":     `x\;y`,
		`back\sl`: `back\\sl`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPayloads(t *testing.T) {
	entries := []Entry{{"a", "1"}, {"b", "2"}, {"c", "3"}}
	for _, tc := range []struct {
		max  int
		want []string
	}{
		{100, []string{"a 1\nb 2\nc 3\n"}},
		{8, []string{"a 1\nb 2\n", "c 3\n"}},
		{1, []string{"a 1\n", "b 2\n", "c 3\n"}},
	} {
		if diff := cmp.Diff(tc.want, Payloads(entries, tc.max)); diff != "" {
			t.Errorf("max %d (-want +got):\n%s", tc.max, diff)
		}
	}
	if got := Payloads(nil, 10); got != nil {
		t.Errorf("no entries: got %q, want none", got)
	}
}
