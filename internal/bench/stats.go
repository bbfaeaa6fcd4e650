package bench

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// Each command runs Options.Repeat times, interleaved with its references
// (floor, framework, switchyard, floor, framework, switchyard, …), so that
// a burst of load on the box falls on all three alike. The report gives
// the median and the spread (min–max) of each.

// Stat is the median and spread of repeated durations.
type Stat struct {
	N                int
	Median, Min, Max time.Duration
}

// statOf summarises ds; the median of an even count is the mean of the two
// middle values.
func statOf(ds []time.Duration) Stat {
	if len(ds) == 0 {
		return Stat{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	st := Stat{N: len(s), Min: s[0], Max: s[len(s)-1]}
	if m := len(s) / 2; len(s)%2 == 1 {
		st.Median = s[m]
	} else {
		st.Median = (s[m-1] + s[m]) / 2
	}
	return st
}

// String is "1.23s" for one value, "1.23s (1.20–1.31)" for more: the
// median, then min–max.
func (s Stat) String() string {
	switch s.N {
	case 0:
		return "-"
	case 1:
		return secs(s.Median)
	}
	return fmt.Sprintf("%s (%.2f–%.2f)", secs(s.Median), s.Min.Seconds(), s.Max.Seconds())
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// ratio is a's median over b's; 0 when either is missing.
func ratio(a, b Stat) float64 {
	if a.N == 0 || b.N == 0 || b.Median <= 0 {
		return 0
	}
	return float64(a.Median) / float64(b.Median)
}

func ratioString(x float64) string {
	if x == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", x)
}

// Range is the minimum and maximum of a count over the repeats.
type Range struct{ Min, Max int64 }

func rangeOf(vs []int64) (Range, bool) {
	if len(vs) == 0 {
		return Range{}, false
	}
	return Range{Min: slices.Min(vs), Max: slices.Max(vs)}, true
}

// Same says whether every repeat gave the same count.
func (r Range) Same() bool { return r.Min == r.Max }

// String is "3" when every repeat gave 3, "3–5" otherwise.
func (r Range) String() string {
	if r.Same() {
		return strconv.FormatInt(r.Min, 10)
	}
	return fmt.Sprintf("%d–%d", r.Min, r.Max)
}

// Target is one of issue 15's targets, with its verdict from the medians.
type Target struct {
	Name     string // "no-change plan ≤ 1.5× floor"
	Measured string // what was measured, e.g. "9.88s vs 1.18s = 8.37×"
	Met      bool
	Verdict  string // "met", or "missed by …"
	Known    bool   // false: not measured in this run (no such row)
}

// ratioTarget judges a median ratio against a bound: missed by how many
// times the floor, and by how much time (the time the command would have
// to lose to meet it).
func ratioTarget(name string, sy, floor Stat, bound float64) Target {
	t := Target{Name: name}
	x := ratio(sy, floor)
	if x == 0 {
		t.Measured, t.Verdict = "not measured", "unknown"
		return t
	}
	t.Known = true
	t.Measured = fmt.Sprintf("%s vs %s = %.2f×", secs(sy.Median), secs(floor.Median), x)
	if x <= bound {
		t.Met, t.Verdict = true, "met"
		return t
	}
	over := sy.Median - time.Duration(bound*float64(floor.Median))
	t.Verdict = fmt.Sprintf("missed by %.2f× the floor (%s too slow)", x-bound, secs(over))
	return t
}

// countTarget judges a count (the worst over the repeats) against a bound.
func countTarget(name string, worst, bound int64, measured string) Target {
	t := Target{Name: name, Known: true, Measured: measured}
	if worst <= bound {
		t.Met, t.Verdict = true, "met"
		return t
	}
	pct := ""
	if bound > 0 {
		pct = fmt.Sprintf(" (+%d%%)", int(math.Round(100*float64(worst-bound)/float64(bound))))
	}
	t.Verdict = fmt.Sprintf("missed by %d%s", worst-bound, pct)
	return t
}

// durationTarget judges the worst duration over the repeats against a bound.
func durationTarget(name string, ds []time.Duration, bound time.Duration) Target {
	t := Target{Name: name}
	if len(ds) == 0 {
		t.Measured, t.Verdict = "not measured", "unknown"
		return t
	}
	st := statOf(ds)
	t.Known = true
	t.Measured = fmt.Sprintf("median %sms, worst %sms", ms(st.Median), ms(st.Max))
	if st.Max <= bound {
		t.Met, t.Verdict = true, "met"
		return t
	}
	t.Verdict = fmt.Sprintf("missed by %dms (worst)", (st.Max - bound).Milliseconds())
	return t
}
