package provider

import (
	"os"
	"runtime/debug"
)

// gcPercent is the provider process's GOGC (issue 15). A plan of many
// resources is, in the provider, mostly terraform-plugin-framework walking
// every value of every resource along its schema, and each step of those
// walks allocates a fresh copy of the schema's attribute map: short-lived
// garbage: with Go's default of 100, the collector's background workers alone
// take about a fifth of the process's CPU (N = 500 no-change plan, null
// provider), and allocations wait on it for as much again.
// Twice the heap target halves the collections for about 1.5 times the peak
// memory. No memory limit is set: with one, a live heap above it would make
// the collector run back to back.
const gcPercent = 200

// tuneGC sets the collector's target unless GOGC or GOMEMLIMIT is in the
// environment: whoever sets either decides, and nothing is changed then.
func tuneGC(getenv func(string) string, setPercent func(int) int) bool {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return false
	}
	setPercent(gcPercent)
	return true
}

// TuneGC sets the provider process's collector target (see gcPercent).
// The mains call it before serving; it is not part of New, so that tests
// and other embedders keep their own settings.
func TuneGC() { tuneGC(os.Getenv, debug.SetGCPercent) }
