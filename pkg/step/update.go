package step

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/octopulumi/octopulumi/pkg/octoenv"
	"github.com/octopulumi/octopulumi/pkg/runner"
)

// Variables that tune what an update does, as the step template's fields
// give them.
const (
	// VarTargets lists resource URNs, one per line: only they (and what
	// they depend on) are updated.
	VarTargets = "Pulumi.Targets"
	// VarReplace lists resource URNs, one per line, to replace even if
	// nothing about them changed.
	VarReplace = "Pulumi.Replace"
	// VarRefresh, True, refreshes the stack's state from the real
	// resources before a deploy or preview.
	VarRefresh = "Pulumi.Refresh"
	// VarParallel bounds how many resource operations run at once.
	VarParallel = "Pulumi.Parallel"
	// VarUpdateMessage is every update's message in the stack's history.
	VarUpdateMessage = "Pulumi.UpdateMessage"
	// VarExpectNoChanges, True, makes a preview or refresh fail on any
	// change: a drift check (as --expect-no-changes).
	VarExpectNoChanges = "Pulumi.ExpectNoChanges"
	// VarRemoveStack, True, makes a destroy remove the stack too, as a
	// review stack wants (as destroy --remove).
	VarRemoveStack = "Pulumi.RemoveStack"
)

// UpdateOptions tune the step's updates; empty fields fall back to the
// variables above.
type UpdateOptions struct {
	// Targets limits updates to these resource URNs.
	Targets []string
	// Replace replaces these resource URNs.
	Replace []string
	// Refresh refreshes the state before a deploy or a preview.
	Refresh bool
	// Parallel bounds concurrent resource operations; 0 is the CLI's default.
	Parallel int
	// ExpectNoChanges makes a preview or refresh fail on any change.
	ExpectNoChanges bool
	// RemoveStack makes a destroy remove the stack.
	RemoveStack bool
}

// readUpdateOptions merges the config's update options with the variables'
// (the config wins), and returns every problem.
func readUpdateOptions(cfg Config, vars *octoenv.Variables) (UpdateOptions, []error) {
	u := cfg.Update
	var errs []error
	if len(u.Targets) == 0 {
		u.Targets = lines(vars.Value(VarTargets))
	}
	if len(u.Replace) == 0 {
		u.Replace = lines(vars.Value(VarReplace))
	}
	for _, list := range []struct {
		urns []string
		name string
	}{{u.Targets, VarTargets}, {u.Replace, VarReplace}} {
		for _, urn := range list.urns {
			if !strings.HasPrefix(urn, "urn:pulumi:") {
				errs = append(errs, fmt.Errorf("%s lists %q, which is not a resource URN (urn:pulumi:<stack>::<project>::<type>::<name>; `pulumi stack --show-urns` lists them)", list.name, urn))
			}
		}
	}
	for _, b := range []struct {
		name string
		to   *bool
	}{{VarRefresh, &u.Refresh}, {VarExpectNoChanges, &u.ExpectNoChanges}, {VarRemoveStack, &u.RemoveStack}} {
		if v := strings.TrimSpace(vars.Value(b.name)); v != "" && !*b.to {
			on, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s is %q: use True or False", b.name, v))
			}
			*b.to = on
		}
	}
	if v := strings.TrimSpace(vars.Value(VarParallel)); v != "" && u.Parallel == 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s is %q: use a whole number of at least 1", VarParallel, v))
		}
		u.Parallel = n
	}
	if u.Parallel < 0 {
		errs = append(errs, fmt.Errorf("the parallelism %d is negative", u.Parallel))
	}
	return u, errs
}

// lines splits a list given one per line (or comma-separated), blanks dropped.
func lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// opOptions are the runner options every operation of the session takes:
// the message, the targets and the parallelism, plus, for an update or a
// preview (not a plan's apply, which does exactly what was approved),
// replacements and a refresh first.
func (s *Session) opOptions(update bool) []runner.OpOption {
	u := s.Settings.Update
	var opts []runner.OpOption
	if s.message != "" {
		opts = append(opts, runner.Message(s.message))
	}
	if len(u.Targets) > 0 {
		opts = append(opts, runner.Targets(u.Targets...))
	}
	if u.Parallel > 0 {
		opts = append(opts, runner.Parallel(u.Parallel))
	}
	if update {
		if len(u.Replace) > 0 {
			opts = append(opts, runner.Replace(u.Replace...))
		}
		if u.Refresh {
			opts = append(opts, runner.RefreshFirst())
		}
	}
	return opts
}
