// Command switchyard-bench is `make bench`: it runs internal/bench against
// a machine of the running lab and prints the results as a table.
//
//	switchyard-bench [-n 10,100,500] [-repeat 3] [-parallelism 10] [-maps 1000]
//	                 [-null-provider DIR] [-profiles DIR] [-markdown]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/bench"
	"github.com/switchyard/terraform-provider-switchyard/internal/lab"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "switchyard-bench:", err)
		os.Exit(1)
	}
}

func run() error {
	sizes := flag.String("n", "10,100,500", "comma-separated numbers of backends (and map entries) N")
	parallelism := flag.Int("parallelism", 10, "terraform -parallelism")
	maps := flag.Int("maps", 1000, "entries of the map replaced at once")
	markdown := flag.Bool("markdown", false, "also print the table as Markdown (for docs/performance.md)")
	machine := flag.String("machine", "swlab-1", "lab machine")
	labDir := flag.String("lab", "", "lab directory (default $SWITCHYARD_LAB_DIR or "+lab.DefaultDir+")")
	prefix := flag.String("prefix", "bench-", "prefix of every object name the run creates")
	repeat := flag.Int("repeat", 3, "runs of each command, interleaved with its floor and framework runs; the report gives median and min–max")
	nullDir := flag.String("null-provider", "", "directory holding the null provider as terraform-provider-switchyard (make bench builds .build/nullprovider); empty: built into a temporary directory")
	profiles := flag.String("profiles", "", "directory for every provider command's SWITCHYARD_PPROF output, kept after the run (empty: a new temporary directory, printed in the report)")
	flag.Parse()

	ns, err := parseSizes(*sizes)
	if err != nil {
		return err
	}
	l, err := lab.Load(lab.ResolveDir(*labDir))
	if err != nil {
		return err
	}
	m, err := l.Machine(*machine)
	if err != nil {
		return err
	}
	// Ctrl-C ends the run; Run still destroys what it created.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep, err := bench.Run(ctx, bench.Options{
		Machine: m, Sizes: ns, Parallelism: *parallelism, MapEntries: *maps, Repeat: *repeat, Prefix: *prefix,
		NullProviderDir: *nullDir, ProfileDir: *profiles, Log: os.Stderr,
	})
	if rep != nil {
		fmt.Printf("\nrun started %s on %s; profiles under %s\n\n", rep.Started.Format(time.RFC3339), rep.Machine, rep.ProfileRoot)
		if werr := rep.WriteText(os.Stdout); werr != nil && err == nil {
			err = werr
		}
		if *markdown {
			fmt.Println()
			if werr := rep.WriteMarkdown(os.Stdout); werr != nil && err == nil {
				err = werr
			}
		}
	}
	return err
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-n: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}
