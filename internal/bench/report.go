package bench

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchyard/terraform-provider-switchyard/internal/api"
)

// Report is one run's results.
type Report struct {
	Machine        string
	Parallelism    int
	MapEntries     int
	Prefix         string
	KeyFingerprint string
	Sizes          []Size
	Swap           Change // every entry of one switchyard_map replaced
	OneEntry       Change // one switchyard_map_entry changed
}

// Size is apply, plan and destroy for one N.
type Size struct {
	N           int
	Resources   int // of each configuration (Switchyard and floor)
	ReloadBound int // ceil(N / parallelism) + 2
	Apply       Timed
	Plan        Timed
	Destroy     Timed
	Probe       *Probe // the request loop, during the apply of the largest N
}

// Timed is a Switchyard command next to the same command on the floor.
type Timed struct {
	Command
	Floor time.Duration
}

// Ratio is Switchyard's time over the floor's.
func (t Timed) Ratio() float64 {
	if t.Floor <= 0 {
		return 0
	}
	return float64(t.Duration) / float64(t.Floor)
}

// Command is one Switchyard terraform command and what the machine saw.
type Command struct {
	Name     string
	Duration time.Duration
	SSH      int // connections sshd accepted with the run's key
	// Sessions holds, per SSH connection, the agent session found for it
	// in the session log (nil: none found).
	Sessions        []*api.SessionRecord
	SkippedLogLines int
}

// Requests sums the agent requests of the command's sessions.
func (c Command) Requests() int64 {
	var n int64
	for _, s := range c.Sessions {
		if s != nil {
			n += s.Requests
		}
	}
	return n
}

// Reloads sums the HAProxy reloads of the command's sessions.
func (c Command) Reloads() int64 {
	var n int64
	for _, s := range c.Sessions {
		if s != nil {
			n += s.Reloads
		}
	}
	return n
}

// Found is the number of connections whose agent session was found.
func (c Command) Found() int {
	n := 0
	for _, s := range c.Sessions {
		if s != nil {
			n++
		}
	}
	return n
}

// LastSessionSpan is how long the command's last agent session (the apply
// walk's) lasted, from the agent's start to its end.
func (c Command) LastSessionSpan() (time.Duration, bool) {
	if len(c.Sessions) == 0 || c.Sessions[len(c.Sessions)-1] == nil {
		return 0, false
	}
	s := c.Sessions[len(c.Sessions)-1]
	start, err1 := time.Parse(time.RFC3339Nano, s.Started)
	end, err2 := time.Parse(time.RFC3339Nano, s.Ended)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return end.Sub(start), true
}

// walks shows the requests of each session (one per provider process,
// that is per terraform graph walk), e.g. "2 (6+1003)"; "?" where a
// connection's session was not found.
func (c Command) walks() string {
	parts := make([]string, len(c.Sessions))
	for i, s := range c.Sessions {
		if s == nil {
			parts[i] = "?"
		} else {
			parts[i] = strconv.FormatInt(s.Requests, 10)
		}
	}
	return fmt.Sprintf("%d (%s)", c.Found(), strings.Join(parts, "+"))
}

// Change is a timed apply that changed map entries without a reload.
type Change struct {
	Command
	Floor                       time.Duration // a terraform_data apply changing one resource of three
	Entries                     int
	Verified                    int // entries the running HAProxy has with the new value
	WorkersBefore, WorkersAfter []int
}

// WorkersKept says whether HAProxy's workers are the same processes after
// the apply: no reload happened (by anyone: other tests reload too).
func (c Change) WorkersKept() bool {
	return len(c.WorkersBefore) > 0 && slices.Equal(c.WorkersBefore, c.WorkersAfter)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// rows is the table: one row per command, then the map changes.
func (r *Report) rows() (header []string, rows [][]string) {
	header = []string{"N", "resources", "command", "switchyard", "floor", "ratio", "ssh", "sessions (requests per walk)", "requests", "reloads", "reload bound"}
	for _, s := range r.Sizes {
		for _, t := range []Timed{s.Apply, s.Plan, s.Destroy} {
			if t.Name == "" {
				continue
			}
			bound := "-"
			if t.Name == s.Apply.Name {
				bound = strconv.Itoa(s.ReloadBound)
			}
			cmd := strings.TrimPrefix(t.Name, fmt.Sprintf("N=%d ", s.N))
			rows = append(rows, []string{
				strconv.Itoa(s.N), strconv.Itoa(s.Resources), cmd, secs(t.Duration), secs(t.Floor),
				fmt.Sprintf("%.2f×", t.Ratio()), strconv.Itoa(t.SSH), t.walks(),
				strconv.FormatInt(t.Requests(), 10), strconv.FormatInt(t.Reloads(), 10), bound,
			})
		}
	}
	for _, c := range []Change{r.Swap, r.OneEntry} {
		if c.Name == "" {
			continue
		}
		ratio := "-"
		if c.Floor > 0 {
			ratio = fmt.Sprintf("%.2f×", float64(c.Duration)/float64(c.Floor))
		}
		rows = append(rows, []string{
			"-", "3", "apply: " + c.Name, secs(c.Duration), secs(c.Floor), ratio,
			strconv.Itoa(c.SSH), c.walks(), strconv.FormatInt(c.Requests(), 10), strconv.FormatInt(c.Reloads(), 10), "0",
		})
	}
	return header, rows
}

// notes are the facts below the table.
func (r *Report) notes() []string {
	var out []string
	for _, s := range r.Sizes {
		if s.Probe != nil {
			p := s.Probe
			line := fmt.Sprintf("request loop during the N=%d apply: %d sent, %d failed (%d clients, keep-alive off, %s)",
				s.N, p.Sent, p.Failed, p.Clients, p.Duration.Round(time.Millisecond))
			if p.FirstError != "" {
				line += "; first failure: " + p.FirstError
			}
			out = append(out, line)
		}
	}
	for _, c := range []Change{r.Swap, r.OneEntry} {
		if c.Name == "" {
			continue
		}
		span := "unknown"
		if d, ok := c.LastSessionSpan(); ok {
			span = d.Round(time.Millisecond).String()
		}
		out = append(out, fmt.Sprintf("%s: %d/%d entries live in HAProxy after the apply; the apply walk's agent session lasted %s (an upper bound of the change on the machine); reloads by the run's agents %d; HAProxy workers before %v, after %v (kept: %t)",
			c.Name, c.Verified, c.Entries, span, c.Reloads(), c.WorkersBefore, c.WorkersAfter, c.WorkersKept()))
	}
	out = append(out,
		fmt.Sprintf("machine %s, terraform -parallelism=%d; floor = the same number of terraform_data resources (2N+1: N backends + N map entries + 1 map)", r.Machine, r.Parallelism),
		"ssh = connections sshd accepted with the run's own key; sessions = agent sessions found in the session log for them (one per provider process, i.e. per terraform graph walk)",
	)
	return out
}

// WriteText writes the report as a plain text table.
func (r *Report) WriteText(w io.Writer) error {
	header, rows := r.rows()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		_, _ = fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.notes() {
		if _, err := fmt.Fprintln(w, "- "+n); err != nil {
			return err
		}
	}
	return nil
}

// WriteMarkdown writes the same table as Markdown, for docs/performance.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	header, rows := r.rows()
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(header)) + "\n")
	for _, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n")
	for _, n := range r.notes() {
		b.WriteString("- " + n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
