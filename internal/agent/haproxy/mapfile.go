package haproxy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/switchyard/terraform-provider-switchyard/internal/grammar"
)

// HAProxy's map file format: one `key value` per line, the key ends at the
// first blank and the value is the rest of the line; `#` starts a comment
// line; blank lines are skipped. For a key listed twice, the first line is
// the one HAProxy matches.

// parseMapFile returns the entries of a map file.
func parseMapFile(data string) map[string]string {
	entries := map[string]string{}
	for _, line := range strings.Split(data, "\n") {
		key, value, ok := parseMapLine(line)
		if !ok {
			continue
		}
		if _, dup := entries[key]; !dup {
			entries[key] = value
		}
	}
	return entries
}

// parseMapLine splits one line; ok is false for comments and blank lines.
func parseMapLine(line string) (key, value string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", "", false
	}
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return line, "", true
	}
	return line[:i], strings.TrimSpace(line[i:]), true
}

// mapFileHeader starts a file written by switchyard_map, so a person who
// opens it knows edits will be reverted.
const mapFileHeader = "# Managed by Switchyard (switchyard_map): entries changed here or at runtime show up as drift.\n"

// renderMapFile writes entries sorted by key, so that the same entries
// always give the same bytes.
func renderMapFile(entries map[string]string) []byte {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(mapFileHeader)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s\n", k, entries[k])
	}
	return []byte(b.String())
}

// setMapLine sets key to value in a file someone else may also edit: the
// first line of the key is rewritten (later duplicates are dropped, since
// HAProxy would load them too), or a line is appended; comments and every
// other line stay as they are. value nil removes the key.
func setMapLine(data, key string, value *string) string {
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	if data == "" {
		lines = nil
	}
	out := make([]string, 0, len(lines)+1)
	done := false
	for _, line := range lines {
		if k, _, ok := parseMapLine(line); ok && k == key {
			if value != nil && !done {
				out = append(out, key+" "+*value)
			}
			done = true
			continue
		}
		out = append(out, line)
	}
	if value != nil && !done {
		out = append(out, key+" "+*value)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// checkMapName accepts a file name without its `.map` that can never leave
// the maps directory (grammar.MapName).
func checkMapName(name string) error { return grammar.MapName(name) }

// checkMapEntry rejects what the file format cannot hold (grammar.MapKey,
// grammar.MapValue).
func checkMapEntry(key, value string) error {
	if err := grammar.MapKey(key); err != nil {
		return err
	}
	if err := grammar.MapValue(value); err != nil {
		return fmt.Errorf("map key %q: %w", key, err)
	}
	return nil
}
