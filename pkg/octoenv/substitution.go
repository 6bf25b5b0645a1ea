package octoenv

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Unsubstituted returns the first Octostache expression in value, "#{" up to and including
// the next "}", or from "#{" to the end when it is not closed, and ok=true; or ok=false
// when value holds none.
//
// Octopus substitutes #{…} in variable values before a step runs and leaves an expression
// it cannot evaluate as it was, so a value that still holds one means a missing variable,
// a typo, or a reference to a step whose name changed. "##{" is not an expression:
// Octostache writes it to produce a literal "#{". That escape is resolved by Octopus before
// the step runs, though, so a value meant to hold a literal "#{x}" arrives as "#{x}" and is
// reported here; list such variables in Octopulumi.LiteralVariables ([VarLiteralVariables]).
func Unsubstituted(value string) (expr string, ok bool) {
	for from := 0; ; {
		k := strings.Index(value[from:], "#{")
		if k < 0 {
			return "", false
		}
		k += from
		if k > 0 && value[k-1] == '#' {
			from = k + 2
			continue
		}
		end := strings.IndexByte(value[k+2:], '}')
		if end < 0 {
			return value[k:], true
		}
		return value[k : k+2+end+1], true
	}
}

// maxShownExpression bounds how much of an expression a problem quotes: an unclosed "#{"
// runs to the end of the value.
const maxShownExpression = 100

// unsubstitutedReason completes "<variable> …" for a value holding expr. For a sensitive
// variable it quotes expr only when it reads like a variable reference: a secret that
// happens to hold "#{" and some symbols must not reach the log, even in part.
func unsubstitutedReason(variable, expr string, sensitive bool) string {
	shown := expr
	if len(shown) > maxShownExpression {
		shown = strings.ToValidUTF8(shown[:maxShownExpression], "") + "…"
	}
	what := fmt.Sprintf("%q", shown)
	if sensitive && !referenceLike(expr) {
		what = `a "#{" expression (not shown: the variable is sensitive)`
	}
	return fmt.Sprintf(`holds %s, which Octopus could not substitute (a missing variable, a typo, or a step name that changed); fix the variable, or list %s in %s if its value really contains "#{"`,
		what, variable, VarLiteralVariables)
}

// referenceLike reports whether expr is a closed #{…} of the characters Octopus variable
// names and Octostache filters are written with.
func referenceLike(expr string) bool {
	inner, ok := strings.CutPrefix(expr, "#{")
	if inner, ok = strings.CutSuffix(inner, "}"); !ok || inner == "" || len(expr) > maxShownExpression {
		return false
	}
	return strings.IndexFunc(inner, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(` ._-[]:|"'/`, r)
	}) < 0
}

// checkSubstituted adds a problem for each variable the context reads or passes on whose
// value still holds an Octostache expression, unless Octopulumi.LiteralVariables lists it:
// the Octopus system variables of [KnownVariables], package paths, the Pulumi.* settings
// and every always-sensitive variable (tokens, passphrase, OIDC JWTs). Pulumi.Config.*
// values are checked with the config (configFromVariables).
func checkSubstituted(vars *Variables, ps *problems) {
	check := func(x Variable) {
		if expr, ok := Unsubstituted(x.Value); ok && !vars.Literal(x.Name) {
			ps.add(x.Name, "%s", unsubstitutedReason(x.Name, expr, x.Sensitive))
		}
	}
	for _, name := range KnownVariables() {
		if strings.HasPrefix(name, "Octopus.") {
			if x, ok := vars.Lookup(name); ok {
				check(x)
			}
		}
	}
	for _, x := range vars.vars {
		pulumi := hasPrefixFold(x.Name, "Pulumi.") && !hasPrefixFold(x.Name, ConfigPrefix)
		pkg := hasPrefixFold(x.Name, packageVarPrefix) && hasSuffixFold(x.Name, packageVarExtractedPath)
		if pulumi || pkg || alwaysSensitive(x.Name) {
			check(x)
		}
	}
}

// withoutVariablesOf drops from ps the problems of the variables that sub names: they
// follow from the unsubstituted value sub reports (a "#{…}" stack name is also not a
// usable stack reference), and would only bury the cause.
func withoutVariablesOf(ps, sub problems) problems {
	out := ps[:0]
	for _, p := range ps {
		if !slices.ContainsFunc(sub, func(s Problem) bool { return strings.EqualFold(s.Variable, p.Variable) }) {
			out = append(out, p)
		}
	}
	return out
}
