// Package labtest is how acceptance tests reach the lab: it skips a test
// unless acceptance tests were asked for (TF_ACC, as terraform-plugin-testing
// does), and fails, saying what to run, when the lab is not up or too small.
package labtest

import (
	"os"
	"testing"

	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

// Need returns the running lab, which must have at least n machines.
func Need(t testing.TB, n int) *lab.Lab {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (needs the lab: make lab-up)")
	}
	l, err := lab.Load(lab.ResolveDir(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Machines) < n {
		t.Fatalf("the lab has %d machines; this test needs %d (make lab-up LAB_N=%d)", len(l.Machines), n, n)
	}
	return l
}

// Machine returns the running lab's machine called name.
func Machine(t testing.TB, name string) lab.Machine {
	t.Helper()
	m, err := Need(t, 1).Machine(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
