package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStatOf(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		in   []time.Duration
		want Stat
		str  string
	}{
		{nil, Stat{}, "-"},
		{[]time.Duration{2 * s}, Stat{N: 1, Median: 2 * s, Min: 2 * s, Max: 2 * s}, "2.00s"},
		{[]time.Duration{3 * s, 1 * s, 2 * s}, Stat{N: 3, Median: 2 * s, Min: s, Max: 3 * s}, "2.00s (1.00–3.00)"},
		// Even count: the mean of the middle two; an outlier moves only the spread.
		{[]time.Duration{4 * s, 1 * s, 2 * s, 60 * s}, Stat{N: 4, Median: 3 * s, Min: s, Max: 60 * s}, "3.00s (1.00–60.00)"},
	} {
		got := statOf(c.in)
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("statOf(%v) (-want +got):\n%s", c.in, d)
		}
		if got.String() != c.str {
			t.Errorf("statOf(%v).String() = %q, want %q", c.in, got.String(), c.str)
		}
	}
	in := []time.Duration{3 * s, 1 * s, 2 * s}
	statOf(in)
	if in[0] != 3*s {
		t.Errorf("statOf sorted its argument: %v", in)
	}
}

func TestRange(t *testing.T) {
	if _, ok := rangeOf(nil); ok {
		t.Error("rangeOf(nil) is ok")
	}
	r, _ := rangeOf([]int64{5, 3, 4})
	if r.Same() || r.String() != "3–5" {
		t.Errorf("range %+v: %q", r, r.String())
	}
	r, _ = rangeOf([]int64{2, 2, 2})
	if !r.Same() || r.String() != "2" {
		t.Errorf("range %+v: %q", r, r.String())
	}
}

func TestTargets(t *testing.T) {
	s := time.Second
	floor := Stat{N: 3, Median: 2 * s}
	met := ratioTarget("plan", Stat{N: 3, Median: 3 * s}, floor, 1.5)
	if !met.Met || met.Verdict != "met" || met.Measured != "3.00s vs 2.00s = 1.50×" {
		t.Errorf("at the bound: %+v", met)
	}
	missed := ratioTarget("plan", Stat{N: 3, Median: 10 * s}, floor, 1.5)
	if missed.Met || missed.Verdict != "missed by 3.50× the floor (7.00s too slow)" {
		t.Errorf("missed: %+v", missed)
	}
	if u := ratioTarget("plan", Stat{}, floor, 1.5); u.Met || u.Known || u.Verdict != "unknown" {
		t.Errorf("no measurement: %+v", u)
	}
	if c := countTarget("reloads", 62, 52, ""); c.Met || c.Verdict != "missed by 10 (+19%)" {
		t.Errorf("count: %+v", c)
	}
	if c := countTarget("reloads", 52, 52, ""); !c.Met {
		t.Errorf("count at the bound: %+v", c)
	}
	if c := countTarget("runtime", 2, 0, ""); c.Met || c.Verdict != "missed by 2" {
		t.Errorf("count against 0: %+v", c)
	}
	// The worst repeat decides a time bound, not the median.
	d := durationTarget("live", []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 1300 * time.Millisecond}, s)
	if d.Met || d.Verdict != "missed by 300ms (worst)" || !strings.Contains(d.Measured, "median 200.0ms") {
		t.Errorf("duration: %+v", d)
	}
}
