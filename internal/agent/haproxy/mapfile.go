package haproxy

import (
	"fmt"
	"slices"
	"strings"
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

// checkMapName accepts a file name without its `.map`: letters, digits and
// `-_.`, not starting with a dot, so it can never leave the maps directory.
func checkMapName(name string) error {
	if name == "" || len(name) > 250 || name[0] == '.' {
		return fmt.Errorf("invalid map name %q", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return fmt.Errorf("invalid map name %q", name)
		}
	}
	return nil
}

// checkMapEntry rejects what the file format cannot hold: a key with a blank
// or starting with `#`, a value with a line break or blanks at either end.
func checkMapEntry(key, value string) error {
	if key == "" || key[0] == '#' || strings.ContainsAny(key, " \t\r\n\v\f") {
		return fmt.Errorf("invalid map key %q", key)
	}
	if value == "" || strings.ContainsAny(value, "\r\n") || strings.TrimSpace(value) != value {
		return fmt.Errorf("invalid value %q for map key %q", value, key)
	}
	return nil
}
