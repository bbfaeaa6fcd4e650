package grammar

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// StickTableTypes are the key types of a `stick-table` line.
var StickTableTypes = []string{"ip", "ipv6", "integer", "string", "binary"}

// StickTableKeyLengthTypes are the types that take `len`.
var StickTableKeyLengthTypes = []string{"string", "binary"}

// StickTableSizeDescription describes StickTableSize for schema docs.
const StickTableSizeDescription = "a number of entries, optionally with HAProxy's suffix `k`, `m` or `g` (2^10, 2^20, 2^30), as in `100k`"

// StickTableSize parses a stick table's size as HAProxy does: a count of
// entries with an optional binary suffix.
func StickTableSize(s string) (int64, error) {
	num, mult := s, int64(1)
	if s != "" {
		switch strings.ToLower(s[len(s)-1:]) {
		case "k":
			num, mult = s[:len(s)-1], 1<<10
		case "m":
			num, mult = s[:len(s)-1], 1<<20
		case "g":
			num, mult = s[:len(s)-1], 1<<30
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 1 || strings.HasPrefix(num, "+") {
		return 0, fmt.Errorf("size %q is not %s", s, StickTableSizeDescription)
	}
	// HAProxy keeps the size in an unsigned int.
	if n > (1<<32-1)/mult {
		return 0, fmt.Errorf("size %q is more entries than HAProxy can hold (at most 4294967295)", s)
	}
	return n * mult, nil
}

// stickStore lists HAProxy 2.6's stick-table data types by their argument:
// none, a period, a counter count, or a count and a period.
var (
	storeNoArg = []string{"server_id", "gpc0", "gpc1", "gpt0", "conn_cnt", "conn_cur", "sess_cnt",
		"http_req_cnt", "http_err_cnt", "http_fail_cnt", "bytes_in_cnt", "bytes_out_cnt"}
	storePeriod = []string{"gpc0_rate", "gpc1_rate", "conn_rate", "sess_rate", "http_req_rate",
		"http_err_rate", "http_fail_rate", "bytes_in_rate", "bytes_out_rate"}
	storeCount     = []string{"gpc", "gpt"}
	storeCountRate = []string{"gpc_rate"}
)

// StickTableStoreDescription describes StickTableStore for schema docs.
var StickTableStoreDescription = "one of HAProxy's data types: " + quoted(storeNoArg) + "; with a period, as in `http_req_rate(10s)`: " +
	quoted(storePeriod) + "; with a count from 1 to 100, as in `gpc(2)`: " + quoted(storeCount) +
	"; with a count and a period, as in `gpc_rate(2,10s)`: " + quoted(storeCountRate)

var (
	storeEntry = regexp.MustCompile(`^([a-z0-9_]+)(?:\(([^()]*)\))?$`)
	// HAProxy's time format: a number and an optional unit (ms by default).
	period = regexp.MustCompile(`^[0-9]+(us|ms|s|m|h|d)?$`)
)

// StickTableStore accepts one data type of a `store` list, with the
// argument its type takes.
func StickTableStore(s string) error {
	m := storeEntry.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("store %q is not a data type such as `conn_cur` or `http_req_rate(10s)`", s)
	}
	name, arg, hasArg := m[1], m[2], strings.Contains(s, "(")
	switch {
	case slices.Contains(storeNoArg, name):
		if hasArg {
			return fmt.Errorf("store %q: %s takes no argument", s, name)
		}
	case slices.Contains(storePeriod, name):
		if !hasArg || !period.MatchString(arg) || strings.TrimLeft(arg, "0") == "" {
			return fmt.Errorf("store %q: %s takes a period, as in %s(10s)", s, name, name)
		}
	case slices.Contains(storeCount, name):
		if err := storeCountArg(arg); !hasArg || err != nil {
			return fmt.Errorf("store %q: %s takes a count from 1 to 100, as in %s(2)", s, name, name)
		}
	case slices.Contains(storeCountRate, name):
		count, per, ok := strings.Cut(arg, ",")
		if !hasArg || !ok || storeCountArg(count) != nil || !period.MatchString(per) {
			return fmt.Errorf("store %q: %s takes a count from 1 to 100 and a period, as in %s(2,10s)", s, name, name)
		}
	default:
		return fmt.Errorf("store %q: %q is not one of HAProxy's stick-table data types", s, name)
	}
	return nil
}

func storeCountArg(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100 || strings.HasPrefix(s, "+") {
		return fmt.Errorf("bad count")
	}
	return nil
}

// SplitStore splits a `store` list as HAProxy writes it (comma-separated)
// into its data types; a comma inside parentheses (`gpc_rate(2,10s)`)
// belongs to its entry.
func SplitStore(s string) []string {
	out := []string{}
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func quoted(list []string) string {
	q := make([]string, len(list))
	for i, v := range list {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}
