package release

import "strings"

// wildmatch is git's glob matching (wildmatch.c), byte by byte:
//
//   - '?' matches one byte, '*' any run of bytes; with pathname neither
//     matches '/';
//   - with pathname, a '**' between slashes (or the pattern's ends)
//     matches across folders: "**/x" matches x at any depth, "a/**" all
//     inside a, "a/**/b" a/b, a/x/b and a/x/y/b; any other run of stars is
//     one '*';
//   - "[...]" matches one byte from a set of bytes, ranges (a-z) and
//     classes ([:alpha:]); '!' or '^' first negates it; a ']' first is a
//     member; with pathname it never matches '/'; a set with no closing
//     ']' or an unknown class makes the whole pattern match nothing;
//   - '\' makes the byte after it literal; a '\' that ends the pattern
//     matches nothing.
func wildmatch(pattern, text string, pathname bool) bool {
	return wild(pattern, text, pathname) == wmMatch
}

// wmResult is how a match ended. Besides a match or not, a star can learn
// that no later start can match either (wmAbortAll: the text ran out) or
// that only an enclosing '**' may still match, as wildmatch.c does to stay
// linear on hostile patterns.
type wmResult int

const (
	wmMatch wmResult = iota
	wmNoMatch
	wmAbortAll
	wmAbortToStarStar
)

// wild matches pattern against all of text. A '**' at the start of
// pattern counts as after a '/': callers pass a pattern that starts after
// a '/', or at the start of what is matched.
func wild(pattern, text string, pathname bool) wmResult {
	p, t := 0, 0
	for ; p < len(pattern); p, t = p+1, t+1 {
		c := pattern[p]
		if c == '*' {
			return star(pattern, p, text[t:], pathname)
		}
		if t == len(text) {
			return wmAbortAll
		}
		b := text[t]
		switch c {
		case '\\':
			p++
			if p == len(pattern) || b != pattern[p] {
				return wmNoMatch
			}
		case '?':
			if pathname && b == '/' {
				return wmNoMatch
			}
		case '[':
			end, in, ok := bracket(pattern, p, b)
			if !ok {
				return wmAbortAll
			}
			if !in || pathname && b == '/' {
				return wmNoMatch
			}
			p = end
		default:
			if b != c {
				return wmNoMatch
			}
		}
	}
	if t < len(text) {
		return wmNoMatch
	}
	return wmMatch
}

// star matches the run of stars at pattern[p] and the rest of pattern
// against text.
func star(pattern string, p int, text string, pathname bool) wmResult {
	first := p
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	rest := pattern[p:]
	crossesSlash := !pathname
	if pathname && p-first > 1 {
		afterSlash := first == 0 || pattern[first-1] == '/'
		beforeSlash := rest == "" || rest[0] == '/' || strings.HasPrefix(rest, `\/`)
		if afterSlash && beforeSlash {
			// "**/" may match no folder at all: a/**/b matches a/b.
			if rest != "" && rest[0] == '/' && wild(rest[1:], text, pathname) == wmMatch {
				return wmMatch
			}
			crossesSlash = true
		}
	}
	if rest == "" {
		if !crossesSlash && strings.Contains(text, "/") {
			return wmNoMatch
		}
		return wmMatch
	}
	if !crossesSlash && rest[0] == '/' {
		// One '*' and a '/': the star takes the rest of this folder's name.
		slash := strings.IndexByte(text, '/')
		if slash < 0 {
			return wmNoMatch
		}
		return wild(rest[1:], text[slash+1:], pathname)
	}
	for t := 0; t < len(text); t++ {
		if strings.IndexByte(globSpecial, rest[0]) < 0 {
			// A literal comes next: skip to where it occurs, within this
			// folder's name unless the star crosses slashes.
			for t < len(text) && text[t] != rest[0] && (crossesSlash || text[t] != '/') {
				t++
			}
			if t == len(text) || text[t] != rest[0] {
				return wmNoMatch
			}
		}
		r := wild(rest, text[t:], pathname)
		if r != wmNoMatch {
			if !crossesSlash || r != wmAbortToStarStar {
				return r
			}
		} else if !crossesSlash && text[t] == '/' {
			return wmAbortToStarStar
		}
	}
	return wmAbortAll
}

// bracket matches the byte b against the bracket expression that opens at
// pattern[open]. It returns the index of the closing ']', whether b is in
// the set (negation applied), and false for a malformed expression.
func bracket(pattern string, open int, b byte) (end int, in, ok bool) {
	i := open + 1
	negated := i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^')
	if negated {
		i++
	}
	matched := false
	var prev byte // the member before, for a range; 0 after a range or class
	for first := true; ; i, first = i+1, false {
		if i >= len(pattern) {
			return 0, false, false
		}
		c := pattern[i]
		if c == ']' && !first {
			return i, matched != negated, true
		}
		switch {
		case c == '\\':
			i++
			if i == len(pattern) {
				return 0, false, false
			}
			c = pattern[i]
			matched = matched || b == c
		case c == '-' && prev != 0 && i+1 < len(pattern) && pattern[i+1] != ']':
			i++
			hi := pattern[i]
			if hi == '\\' {
				i++
				if i == len(pattern) {
					return 0, false, false
				}
				hi = pattern[i]
			}
			matched = matched || prev <= b && b <= hi
			c = 0
		case c == '[' && i+1 < len(pattern) && pattern[i+1] == ':':
			name, closing, found := className(pattern, i+2)
			if closing < 0 {
				return 0, false, false
			}
			if !found {
				// No ":]": the '[' is an ordinary member.
				matched = matched || b == '['
				break
			}
			is, known := classes[name]
			if !known {
				return 0, false, false
			}
			matched = matched || is(b)
			i, c = closing, 0
		default:
			matched = matched || b == c
		}
		prev = c
	}
}

// className reads a "[:name:]" whose name starts at pattern[from]: closing
// is the index of the first ']' after it (-1 for none), and found is false
// when the byte before that ']' is not the ':' that ends a class name.
func className(pattern string, from int) (name string, closing int, found bool) {
	k := strings.IndexByte(pattern[from:], ']')
	if k < 0 {
		return "", -1, false
	}
	closing = from + k
	if k == 0 || pattern[closing-1] != ':' {
		return "", closing, false
	}
	return pattern[from : closing-1], closing, true
}

// classes are the character classes of a bracket expression, ASCII only
// as git's own ctype (ctype.c) makes them.
var classes = map[string]func(b byte) bool{
	"alnum":  func(b byte) bool { return isAlpha(b) || isDigit(b) },
	"alpha":  isAlpha,
	"blank":  func(b byte) bool { return b == ' ' || b == '\t' },
	"cntrl":  func(b byte) bool { return b < 0x20 || b == 0x7f },
	"digit":  isDigit,
	"graph":  func(b byte) bool { return b > ' ' && b < 0x7f },
	"lower":  func(b byte) bool { return 'a' <= b && b <= 'z' },
	"print":  func(b byte) bool { return b >= ' ' && b < 0x7f },
	"punct":  func(b byte) bool { return b > ' ' && b < 0x7f && !isAlpha(b) && !isDigit(b) },
	"space":  func(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' },
	"upper":  func(b byte) bool { return 'A' <= b && b <= 'Z' },
	"xdigit": func(b byte) bool { return isDigit(b) || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' },
}

func isAlpha(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool { return '0' <= b && b <= '9' }
