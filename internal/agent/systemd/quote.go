package systemd

import (
	"fmt"
	"strings"
)

// Quoting for unit files. systemd splits ExecStart= and Environment= into
// words itself (double quotes, C escapes), and then expands `%` specifiers
// in every word and, for ExecStart=, `$VAR`/`${VAR}` at exec time. To make an
// argument reach the program byte for byte, every word is double-quoted with
// `\` and `"` escaped, `%` is doubled and (ExecStart= only) `$` is doubled.

// quoteWord renders one word; dollar says whether `$` must be escaped.
func quoteWord(s string, dollar bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '%':
			b.WriteString("%%")
		case '$':
			if dollar {
				b.WriteString("$$")
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// quoteArgs renders an ExecStart= command line.
func quoteArgs(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = quoteWord(a, true)
	}
	return strings.Join(words, " ")
}

// splitWords is the inverse of quoting: systemd's word splitting (quotes,
// C escapes) followed by undoing `%%` and, when dollar, `$$`. It reads
// unquoted words too, so a hand-written line parses.
func splitWords(line string, dollar bool) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("trailing backslash in %q", line)
			}
			i++
			inWord = true
			switch rs[i] {
			case 'n':
				cur.WriteRune('\n')
			case 't':
				cur.WriteRune('\t')
			case 'r':
				cur.WriteRune('\r')
			default:
				cur.WriteRune(rs[i])
			}
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote, inWord = r, true
		case quote == 0 && (r == ' ' || r == '\t' || r == '\n'):
			if inWord {
				words = append(words, unspecify(cur.String(), dollar))
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", line)
	}
	if inWord {
		words = append(words, unspecify(cur.String(), dollar))
	}
	return words, nil
}

func unspecify(s string, dollar bool) string {
	s = strings.ReplaceAll(s, "%%", "%")
	if dollar {
		s = strings.ReplaceAll(s, "$$", "$")
	}
	return s
}
