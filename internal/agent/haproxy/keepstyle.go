package haproxy

import (
	"fmt"
	"strings"

	parser "github.com/haproxytech/client-native/v5/config-parser"
	parseropts "github.com/haproxytech/client-native/v5/config-parser/options"
)

// keepStyle returns the file a commit writes: the original text orig with
// only the lines of the objects that changed replaced, so a hand-written
// haproxy.cfg keeps its comments, its order, its indentation and its blank
// lines across every change Switchyard makes.
//
// client-native renders the whole file in its own canonical form (sections
// and lines reordered, comments moved, two-space indent), which would turn
// the first Terraform change on an adopted machine into a rewrite of every
// line. before and after are the transaction's canonical renderings before
// and after its changes. Per section, the lines of before are matched to
// orig's lines by their words, the line diff from before to after is
// computed, and that diff is applied to orig's lines. New sections go after
// the last section of their kind; removed ones are cut out with the comment
// block above them.
//
// A section whose lines cannot be matched one to one (a line client-native
// renders in another form than the file has it) is written in canonical form,
// and notes say which. The whole result is then parsed again and must render
// exactly as after; when it does not, canonical is returned whole and notes
// say so. So the file written always means what the transaction means.
func keepStyle(orig, before, after string) (out string, notes []string) {
	o := splitSections(orig)
	b := splitSections(before)
	a := splitSections(after)
	bySecBefore := b.index()
	bySecAfter := a.index()

	var res []string
	res = append(res, o.pre...)
	// A new section goes after the file's last section of its kind (the
	// file's own grouping; client-native sorts some kinds by name), or,
	// when the file has none of its kind, after the section canonical
	// order puts it behind; with neither, first.
	oIdx := o.index()
	lastOfKind := map[string]string{}
	for _, s := range o.secs {
		if _, ok := bySecAfter[s.key]; ok {
			lastOfKind[kindOf(s.key)] = s.key
		}
	}
	newAfter := map[string][]*section{}
	var leading []*section
	prevKey := ""
	for i := range a.secs {
		s := &a.secs[i]
		if _, ok := oIdx[s.key]; ok {
			prevKey = s.key
			continue
		}
		switch anchor := lastOfKind[kindOf(s.key)]; {
		case anchor != "":
			newAfter[anchor] = append(newAfter[anchor], s)
		case prevKey != "":
			newAfter[prevKey] = append(newAfter[prevKey], s)
		default:
			leading = append(leading, s)
		}
	}
	emitNew := func(list []*section) {
		for _, s := range list {
			if len(res) > 0 && strings.TrimSpace(res[len(res)-1]) != "" {
				res = append(res, "")
			}
			prefix := s.prefix
			for len(prefix) > 0 && strings.TrimSpace(prefix[0]) == "" {
				prefix = prefix[1:]
			}
			res = append(res, prefix...)
			res = append(res, s.header)
			res = append(res, s.body...)
		}
	}
	emitNew(leading)
	for i := range o.secs {
		s := &o.secs[i]
		ai, inAfter := bySecAfter[s.key]
		bi, inBefore := bySecBefore[s.key]
		switch {
		case !inAfter:
			// Removed, with the comment block and blank lines above it:
			// the next section's own blank lines separate what is left.
		case !inBefore:
			notes = append(notes, fmt.Sprintf("section %q is not in client-native's reading of the file; written in canonical form", s.key))
			res = append(res, s.prefix...)
			res = append(res, a.secs[ai].header)
			res = append(res, a.secs[ai].body...)
		default:
			res = append(res, s.prefix...)
			lines, ok := spliceSection(s, &b.secs[bi], &a.secs[ai])
			if !ok {
				notes = append(notes, fmt.Sprintf("section %q: its lines do not match client-native's reading one to one; written in canonical form", s.key))
				lines = append([]string{a.secs[ai].header}, a.secs[ai].body...)
			}
			res = append(res, lines...)
		}
		emitNew(newAfter[s.key])
	}
	out = strings.Join(res, "\n")
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if same, err := sameConfig(out, after); err != nil || !same {
		why := "it does not read back as the transaction's configuration"
		if err != nil {
			why = err.Error()
		}
		return after, append(notes, "keeping the file's own style failed ("+why+"); written in client-native's canonical form")
	}
	return out, notes
}

// sameConfig reports whether text parses to exactly the configuration
// canonical renders, with the options the transaction parser uses. Comment
// lines do not count: client-native moves a comment inside a section to its
// end, or drops it once the parser has been edited, and HAProxy ignores them.
func sameConfig(text, canonical string) (bool, error) {
	p, err := parser.New(parseropts.NoNamedDefaultsFrom, parseropts.String(text))
	if err != nil {
		return false, err
	}
	return withoutComments(p.String()) == withoutComments(canonical), nil
}

// withoutComments drops comment and blank lines (client-native's `#
// _version` line among them).
func withoutComments(cfg string) string {
	var b strings.Builder
	for _, line := range strings.Split(cfg, "\n") {
		if !isComment(line) {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// spliceSection applies the line diff from b to a (canonical renderings of
// one section) to o (the section as the file has it).
func spliceSection(o, b, a *section) ([]string, bool) {
	header := o.header
	if norm(stripFrom(b.header)) != norm(stripFrom(a.header)) {
		header = a.header
	}
	// Match every canonical line to one line of the file with the same
	// words, in order of appearance for repeated lines.
	bLines, aLines := content(b.body), content(a.body)
	origOf := make([]int, len(bLines)) // index into o.body
	used := make([]bool, len(o.body))
	for i, l := range bLines {
		origOf[i] = -1
		for j, ol := range o.body {
			if !used[j] && !isComment(ol) && norm(ol) == norm(l) {
				origOf[i], used[j] = j, true
				break
			}
		}
		if origOf[i] < 0 {
			return nil, false
		}
	}
	for j, ol := range o.body {
		if !used[j] && !isComment(ol) {
			return nil, false
		}
	}
	canonOf := make([]int, len(o.body)) // o.body index -> bLines index
	for j := range canonOf {
		canonOf[j] = -1
	}
	for i, j := range origOf {
		canonOf[j] = i
	}
	indent := "  "
	for _, ol := range o.body {
		if !isComment(ol) {
			indent = ol[:len(ol)-len(strings.TrimLeft(ol, " \t"))]
			break
		}
	}

	keep := make([]bool, len(bLines))
	before := map[int][]string{} // o.body index -> lines inserted before it
	var atEnd []string
	ops := diffLines(bLines, aLines)
	lastKept := -1 // o.body index of the last kept line
	for k := 0; k < len(ops); {
		if ops[k].kind == opEqual {
			keep[ops[k].b] = true
			lastKept = origOf[ops[k].b]
			k++
			continue
		}
		// A hunk: consecutive deletes and inserts.
		var dels []int
		var ins []string
		for ; k < len(ops) && ops[k].kind != opEqual; k++ {
			if ops[k].kind == opDelete {
				dels = append(dels, ops[k].b)
			} else {
				ins = append(ins, indent+strings.TrimSpace(aLines[ops[k].a]))
			}
		}
		switch {
		case len(ins) == 0:
		case len(dels) > 0:
			// A replaced line takes the place of the first one it replaces.
			at := origOf[dels[0]]
			before[at] = append(before[at], ins...)
		case lastKept >= 0:
			// After the canonical line it follows, i.e. before the next
			// line of the file.
			before[lastKept+1] = append(before[lastKept+1], ins...)
		case k < len(ops):
			at := origOf[ops[k].b]
			before[at] = append(before[at], ins...)
		default:
			atEnd = append(atEnd, ins...)
		}
	}
	out := []string{header}
	for j, ol := range o.body {
		out = append(out, before[j]...)
		if isComment(ol) {
			out = append(out, ol)
			continue
		}
		if i := canonOf[j]; i >= 0 && keep[i] {
			out = append(out, ol)
		}
	}
	out = append(out, before[len(o.body)]...)
	if len(atEnd) > 0 {
		// At the end of the section's lines, before its trailing blank
		// lines and comments.
		n := len(out)
		for n > 1 && isComment(out[n-1]) {
			n--
		}
		out = append(out[:n], append(atEnd, out[n:]...)...)
	}
	return out, true
}

type opKind int

const (
	opEqual opKind = iota
	opDelete
	opInsert
)

type diffOp struct {
	kind opKind
	b, a int // indexes into the old and new lines
}

// diffLines is the longest-common-subsequence line diff of x to y, deletes
// before inserts within a hunk. Sections have tens of lines, so the
// quadratic table is small.
func diffLines(x, y []string) []diffOp {
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if norm(x[i]) == norm(y[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && norm(x[i]) == norm(y[j]):
			ops = append(ops, diffOp{opEqual, i, j})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{opDelete, i, -1})
			i++
		default:
			ops = append(ops, diffOp{opInsert, -1, j})
			j++
		}
	}
	return ops
}

// cfgText is a configuration split into sections.
type cfgText struct {
	pre  []string // lines before the first section's comment block
	secs []section
}

// section is one section of a configuration as text.
type section struct {
	key    string   // kind and name: "backend app", "defaults unnamed_defaults_1"
	prefix []string // blank lines and the comment block right above the header
	header string
	body   []string // the lines after the header, up to the next section's prefix
}

func (c *cfgText) index() map[string]int {
	m := make(map[string]int, len(c.secs))
	for i, s := range c.secs {
		m[s.key] = i
	}
	return m
}

// splitSections splits text at its section headers. The blank and comment
// lines at the end of a section belong to the next one (they are what a
// person writes above a section), so they move with it.
func splitSections(text string) cfgText {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var c cfgText
	var cur *section
	unnamedDefaults := 0
	var pending []string // comment and blank lines not yet placed
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && sectionKeywords[f[0]] {
			key := f[0]
			switch {
			case len(f) > 1 && f[1] != "from":
				key += " " + f[1]
			case f[0] == "defaults":
				unnamedDefaults++
				key += fmt.Sprintf(" unnamed_defaults_%d", unnamedDefaults)
			}
			if cur == nil {
				c.pre = append(c.pre, leadingBlank(pending)...)
				pending = pending[len(leadingBlank(pending)):]
			}
			c.secs = append(c.secs, section{key: key, prefix: pending, header: l})
			cur = &c.secs[len(c.secs)-1]
			pending = nil
			continue
		}
		if isComment(l) {
			pending = append(pending, l)
			continue
		}
		if cur == nil {
			c.pre = append(c.pre, pending...)
			c.pre = append(c.pre, l)
		} else {
			cur.body = append(cur.body, pending...)
			cur.body = append(cur.body, l)
		}
		pending = nil
	}
	if cur == nil {
		c.pre = append(c.pre, pending...)
	} else {
		cur.body = append(cur.body, pending...)
	}
	return c
}

// leadingBlank is the part of lines up to the last blank one: a comment
// block separated from a header by a blank line is not that header's.
func leadingBlank(lines []string) []string {
	last := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			last = i
		}
	}
	return lines[:last+1]
}

// kindOf is the kind of a section key: "backend" for "backend app".
func kindOf(key string) string {
	kind, _, _ := strings.Cut(key, " ")
	return kind
}

// content drops comment and blank lines.
func content(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !isComment(l) {
			out = append(out, l)
		}
	}
	return out
}

// isComment reports a blank or comment line. client-native's config-snippet
// markers look like comments but delimit the lines it owns (extra_lines), so
// they are content here.
func isComment(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "###_config-snippet_###")
}

// norm is a line's words: indentation and runs of blanks do not matter to
// HAProxy.
func norm(l string) string { return strings.Join(strings.Fields(l), " ") }

// stripFrom drops a header's `from DEFAULTS` clause, which client-native
// renders or omits depending on the parser.
func stripFrom(h string) string {
	f := strings.Fields(h)
	for i, w := range f {
		if w == "from" && i > 0 {
			return strings.Join(f[:i], " ")
		}
	}
	return h
}
