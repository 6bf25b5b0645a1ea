package release

import "strings"

// This file reads and matches the ignore file as git reads and matches a
// .gitignore, following gitignore(5) and, where that page is silent, git's
// own code: dir.c (add_patterns_from_buffer, trim_trailing_spaces,
// parse_path_pattern, match_basename, match_pathname,
// last_matching_pattern_from_list, prep_exclude) and wildmatch.c (dowild).
// Matching is case-sensitive on every platform (git's core.ignoreCase off),
// so that one commit gives one package wherever it is built.

// ignoreRule is one pattern line of an ignore file.
type ignoreRule struct {
	// glob is the pattern without its '!', its trailing '/' and, for a
	// path rule, its leading '/'.
	glob string
	// literal is how many leading bytes of glob hold none of * ? [ \ .
	literal int
	// negative is a rule that starts with '!': a match brings the path
	// back in.
	negative bool
	// dirOnly is a rule that ended with '/': it matches folders only.
	dirOnly bool
	// name is a rule without a '/' (but a trailing one): it is matched
	// against the last part of a path, at any depth. Any other rule is
	// matched against the whole path from the program folder.
	name bool
}

// ignoreRules are an ignore file's rules, in the file's order.
type ignoreRules []ignoreRule

// utf8BOM is skipped at the start of an ignore file, as git does.
const utf8BOM = "\ufeff"

// parseIgnore reads an ignore file: one pattern a line; a line ending in
// CR LF loses the CR; blank lines and lines starting with '#' are skipped;
// trailing spaces are dropped unless escaped with '\' (gitignore(5),
// "PATTERN FORMAT").
func parseIgnore(raw []byte) ignoreRules {
	var rules ignoreRules
	for line := range strings.SplitSeq(strings.TrimPrefix(string(raw), utf8BOM), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		rules = append(rules, parseRule(trimTrailingSpaces(line)))
	}
	return rules
}

// trimTrailingSpaces drops the spaces (not tabs) that end line, but not
// one escaped with '\' nor any before it.
func trimTrailingSpaces(line string) string {
	end := len(line)
	spaces := -1 // where the current run of spaces starts
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case ' ':
			if spaces < 0 {
				spaces = i
			}
		case '\\':
			i++
			if i == len(line) {
				return line // a lone '\' ends the line: nothing trails it
			}
			spaces = -1
		default:
			spaces = -1
		}
	}
	if spaces >= 0 {
		end = spaces
	}
	return line[:end]
}

// parseRule reads one pattern: '!' negates it; a trailing '/' makes it
// match folders only; a pattern with no other '/' matches names at any
// depth; a leading '/' only anchors it.
func parseRule(p string) ignoreRule {
	var r ignoreRule
	if strings.HasPrefix(p, "!") {
		r.negative, p = true, p[1:]
	}
	if strings.HasSuffix(p, "/") {
		r.dirOnly, p = true, p[:len(p)-1]
	}
	r.name = !strings.Contains(p, "/")
	if !r.name {
		p = strings.TrimPrefix(p, "/")
	}
	r.glob = p
	r.literal = strings.IndexAny(p, globSpecial)
	if r.literal < 0 {
		r.literal = len(p)
	}
	return r
}

// globSpecial are the bytes that make a pattern more than a literal.
const globSpecial = `*?[\`

// matches reports whether the rule matches the path (from the program
// folder, with '/'), whose last part is base.
func (r *ignoreRule) matches(path, base string, isDir bool) bool {
	if r.dirOnly && !isDir {
		return false
	}
	if r.name {
		return wildmatch(r.glob, base, false)
	}
	// git compares the literal head of the pattern first and matches only
	// the rest with wildmatch, which makes a '**' right after that head
	// count as at the start of a pattern (dir.c, match_pathname).
	if len(path) < r.literal || path[:r.literal] != r.glob[:r.literal] {
		return false
	}
	rest, name := r.glob[r.literal:], path[r.literal:]
	if rest == "" {
		return name == ""
	}
	return wildmatch(rest, name, true)
}

// excluded reports whether the last rule that matches the path itself
// (not its parents) excludes it.
func (rs ignoreRules) excluded(path, base string, isDir bool) bool {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].matches(path, base, isDir) {
			return !rs[i].negative
		}
	}
	return false
}

// ignores reports whether git would ignore the path rel (with '/'): it,
// or a folder it is in, is excluded. Each folder is judged on its own,
// from the top down, and nothing inside an excluded folder can be brought
// back ("It is not possible to re-include a file if a parent directory of
// that file is excluded", gitignore(5)).
func (rs ignoreRules) ignores(rel string, isDir bool) bool {
	if len(rs) == 0 {
		return false
	}
	start := 0
	for {
		slash := strings.IndexByte(rel[start:], '/')
		if slash < 0 {
			return rs.excluded(rel, rel[start:], isDir)
		}
		end := start + slash
		if rs.excluded(rel[:end], rel[start:end], true) {
			return true
		}
		start = end + 1
	}
}
