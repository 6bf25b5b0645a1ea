package reporttest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Mode is how a .NET string search (IndexOf, StartsWith) matches a
// command's prefix. The GitHub runner and the Azure agent find their prefixes
// with culture-sensitive comparisons; which characters those skip depends on
// the globalization library under .NET, so each parser here runs in either
// mode and a test checks both.
type Mode int

const (
	// Exact matches character for character, as an ordinal comparison does
	// (and as a culture-sensitive one does on text without ignorable
	// characters).
	Exact Mode = iota
	// ICU models a culture-sensitive comparison on ICU (.NET on Linux and
	// macOS, and on Windows 10 1903 and later): ignorable characters (format
	// and control characters other than white space, U+034F) are skipped
	// between the characters of the prefix, and before it for StartsWith.
	ICU
)

// String returns "exact" or "ICU".
func (m Mode) String() string {
	if m == ICU {
		return "ICU"
	}
	return "exact"
}

// NetLines splits s into lines as .NET's StreamReader.ReadLine does: at
// "\r\n", '\r' or '\n'. A line break at the end starts no empty line.
func NetLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			return append(lines, s)
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// NetWhiteSpace is .NET's char.IsWhiteSpace, which TrimStart and Trim use, as
// its documentation lists it (learn.microsoft.com, "Char.IsWhiteSpace"): the
// space separators, U+2028, U+2029, U+0009–U+000D, U+0085. A .NET char is one
// UTF-16 code unit, so nothing beyond U+FFFF is white space.
func NetWhiteSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r == 0x20, r == 0x85, r == 0xA0, r == 0x1680,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// NetTrim is .NET's String.Trim(): [NetWhiteSpace] off both ends.
func NetTrim(s string) string { return strings.TrimFunc(s, NetWhiteSpace) }

// netString is text as .NET holds it: UTF-16 code units, decoded from UTF-8
// with U+FFFD for what is not UTF-8.
type netString []uint16

func toNet(s string) netString            { return utf16.Encode([]rune(s)) }
func (n netString) String() string        { return string(utf16.Decode(n)) }
func (n netString) has(i int) bool        { return i >= 0 && i < len(n) }
func (n netString) at(i int, c byte) bool { return n.has(i) && n[i] == uint16(c) }

// icuIgnorable says which characters the ICU model skips: format characters
// (U+200B, U+FEFF, U+00AD …), control characters other than white space, and
// U+034F. ICU 72's root collation, asked with usearch for "##[" in
// "##<c>[x]", skips each of U+0000, U+0001, U+00AD, U+034F, U+180E, U+200B,
// U+200C, U+200D, U+2060 and U+FEFF, and none of U+0020, U+00A0, U+3164.
func icuIgnorable(u uint16) bool {
	r := rune(u)
	return unicode.Is(unicode.Cf, r) || (unicode.Is(unicode.Cc, r) && !NetWhiteSpace(r)) || r == 0x034F
}

// matchAt returns where pat matches n from s on, ignorables between its
// characters skipped in ICU mode, or -1.
func (n netString) matchAt(s int, pat string, mode Mode) int {
	j := s
	for k := 0; k < len(pat); {
		switch {
		case n.at(j, pat[k]):
			j, k = j+1, k+1
		case mode == ICU && k > 0 && n.has(j) && icuIgnorable(n[j]):
			j++
		default:
			return -1
		}
	}
	return j
}

// indexOf is string.IndexOf(pat, from): exact, or the ICU model, whose match
// starts at the first character of pat (ICU reports the shortest match).
func (n netString) indexOf(pat string, from int, mode Mode) int {
	for s := from; s < len(n); s++ {
		if n.matchAt(s, pat, mode) >= 0 {
			return s
		}
	}
	return -1
}

// startsWith is string.StartsWith(pat): the ICU model skips leading
// ignorables too.
func (n netString) startsWith(pat string, mode Mode) bool {
	s := 0
	for mode == ICU && n.has(s) && icuIgnorable(n[s]) {
		s++
	}
	return n.matchAt(s, pat, mode) >= 0
}

// netSplit2 is s.Split(sep, 2, StringSplitOptions.RemoveEmptyEntries): empty
// pieces are dropped, and so are the separators right after the first piece
// (dotnet/runtime String.Manipulation.cs, SplitWithPostProcessing): "a==b"
// gives "a" and "b".
func netSplit2(s string, sep byte) []string {
	var out []string
	for len(out) < 1 {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			break
		}
		if i > 0 {
			out = append(out, s[:i])
		}
		s = s[i+1:]
	}
	if len(out) == 1 {
		s = strings.TrimLeft(s, string(sep))
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// netSplit is s.Split(sep, StringSplitOptions.RemoveEmptyEntries).
func netSplit(s string, sep byte) []string {
	return slices.DeleteFunc(strings.Split(s, string(sep)), func(p string) bool { return p == "" })
}

// replaceAll applies ReplaceAll for each old, new pair in turn, as the .NET
// sources' chains of string.Replace calls do.
func replaceAll(s string, pairs ...string) string {
	for i := 0; i < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	return s
}
