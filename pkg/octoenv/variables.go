package octoenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

// Variable is one Octopus variable.
type Variable struct {
	Name  string
	Value string
	// Sensitive variables become Pulumi secrets, are masked, and never appear in errors or logs.
	Sensitive bool
}

// Names of the variables that configure this package rather than describe the deployment.
const (
	// VarSensitiveVariables lists the names of sensitive variables, one per line or
	// separated by commas. It is how a source that cannot carry sensitivity (the JSON
	// `$OctopusParameters` yields) marks variables as sensitive.
	VarSensitiveVariables = "Octopulumi.SensitiveVariables"
	// VarLiteralVariables lists the names of variables whose values are taken as they are,
	// one per line or separated by commas, as Octopulumi.SensitiveVariables. Without it a
	// value that still holds an Octostache expression ("#{…}") is refused as one Octopus
	// could not substitute (see [Unsubstituted]).
	VarLiteralVariables = "Octopulumi.LiteralVariables"
	// VarOrganization is the Pulumi organization, {org} in a stack template.
	VarOrganization = "Pulumi.Organization"
	// VarProject is the Pulumi project name, {project} in a stack template; it must match the
	// name in Pulumi.yaml. When unset, {project} is the Octopus project's slug.
	VarProject = "Pulumi.Project"
	// VarStack overrides the stack reference: "stack", "org/stack" or "org/project/stack".
	VarStack = "Pulumi.Stack"
	// VarStackTemplate overrides the stack template (see [DefaultStackTemplate]).
	VarStackTemplate = "Pulumi.StackTemplate"
	// VarAccessToken is a Pulumi access token; always sensitive.
	VarAccessToken = "Pulumi.AccessToken"
	// VarConfigPassphrase is the passphrase of a passphrase secrets provider; always sensitive.
	VarConfigPassphrase = "Pulumi.ConfigPassphrase"
	// VarOIDCToken is the step's own Octopus OIDC token; always sensitive, as is every
	// variable whose name ends in ".OpenIdConnect.Jwt".
	VarOIDCToken = "Octopus.OpenIdConnect.Jwt"
)

// alwaysSensitive reports whether name is sensitive whatever its source says.
func alwaysSensitive(name string) bool {
	return strings.EqualFold(name, VarAccessToken) || strings.EqualFold(name, VarConfigPassphrase) ||
		hasSuffixFold(name, ".OpenIdConnect.Jwt") || strings.EqualFold(name, VarOIDCToken)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Variables is a merged, read-only set of Octopus variables. Names are case-insensitive,
// as in Octopus.
type Variables struct {
	vars    []Variable
	index   map[string]int  // foldName(name) → position in vars
	literal map[string]bool // foldName of each name listed in Octopulumi.LiteralVariables
}

// Merge combines layers of variables; a later layer wins over an earlier one for the same
// name (compared ignoring case). Sensitivity is sticky: a variable marked sensitive in any
// layer stays sensitive, so an override never exposes a secret. Finally the names listed in
// the Octopulumi.SensitiveVariables variable of any layer, the names given as sensitiveNames, and the
// names that are always sensitive (Pulumi.AccessToken, Pulumi.ConfigPassphrase,
// *.OpenIdConnect.Jwt) are marked sensitive. The names listed in the
// Octopulumi.LiteralVariables variable of any layer add up the same way ([Variables.Literal]).
// An empty name is an error.
func Merge(sensitiveNames []string, layers ...[]Variable) (*Variables, error) {
	ls := make([]layer, len(layers))
	for i, l := range layers {
		ls[i] = layer{vars: l}
	}
	return merge(sensitiveNames, ls)
}

// layer is one source's variables; index, when set, maps foldName of each name to its
// position and proves the names distinct, so merge can adopt both instead of rebuilding.
type layer struct {
	vars  []Variable
	index map[string]int
}

func merge(sensitiveNames []string, layers []layer) (*Variables, error) {
	v := &Variables{}
	rest := layers
	if len(layers) > 0 && layers[0].index != nil {
		v.vars, v.index, rest = layers[0].vars, layers[0].index, layers[1:]
	} else {
		n := 0
		for _, l := range layers {
			n += len(l.vars)
		}
		v.vars, v.index = make([]Variable, 0, n), make(map[string]int, n)
	}
	// Every layer's Octopulumi.SensitiveVariables and Octopulumi.LiteralVariables: an
	// override adds to the list, never removes from it.
	var lists, literalLists []string
	if len(rest) < len(layers) {
		if x, ok := v.Lookup(VarSensitiveVariables); ok {
			lists = append(lists, x.Value)
		}
		if x, ok := v.Lookup(VarLiteralVariables); ok {
			literalLists = append(literalLists, x.Value)
		}
	}
	for li, l := range rest {
		for _, x := range l.vars {
			if strings.TrimSpace(x.Name) == "" {
				return nil, fmt.Errorf("octoenv: source %d holds a variable with an empty name", li+1+len(layers)-len(rest))
			}
			if strings.EqualFold(x.Name, VarSensitiveVariables) {
				lists = append(lists, x.Value)
			}
			if strings.EqualFold(x.Name, VarLiteralVariables) {
				literalLists = append(literalLists, x.Value)
			}
			k := foldName(x.Name)
			if i, ok := v.index[k]; ok {
				x.Sensitive = x.Sensitive || v.vars[i].Sensitive
				v.vars[i] = x
				continue
			}
			v.index[k] = len(v.vars)
			v.vars = append(v.vars, x)
		}
	}
	mark := func(name string) {
		if i, ok := v.index[foldName(name)]; ok {
			v.vars[i].Sensitive = true
		}
	}
	for _, list := range lists {
		for _, name := range SplitNames(list) {
			mark(name)
		}
	}
	for _, name := range sensitiveNames {
		mark(name)
	}
	for i := range v.vars {
		if alwaysSensitive(v.vars[i].Name) {
			v.vars[i].Sensitive = true
		}
	}
	for _, list := range literalLists {
		for _, name := range SplitNames(list) {
			if v.literal == nil {
				v.literal = make(map[string]bool)
			}
			v.literal[foldName(name)] = true
		}
	}
	return v, nil
}

// SplitNames splits a list of variable names separated by newlines or commas, trimming
// spaces and dropping empty entries; the format of Octopulumi.SensitiveVariables and
// Octopulumi.LiteralVariables.
func SplitNames(list string) []string {
	f := strings.FieldsFunc(list, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' })
	out := f[:0]
	for _, s := range f {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Len returns the number of variables.
func (v *Variables) Len() int {
	if v == nil {
		return 0
	}
	return len(v.vars)
}

// Lookup returns the variable called name (ignoring case).
func (v *Variables) Lookup(name string) (Variable, bool) {
	if v == nil {
		return Variable{}, false
	}
	i, ok := v.index[foldName(name)]
	if !ok {
		return Variable{}, false
	}
	return v.vars[i], true
}

// Get returns the value of the variable called name (ignoring case).
func (v *Variables) Get(name string) (string, bool) {
	x, ok := v.Lookup(name)
	return x.Value, ok
}

// Value returns the value of the variable called name, or "" when it is not set.
func (v *Variables) Value(name string) string {
	x, _ := v.Lookup(name)
	return x.Value
}

// Sensitive reports whether the variable called name is set and sensitive.
func (v *Variables) Sensitive(name string) bool {
	x, ok := v.Lookup(name)
	return ok && x.Sensitive
}

// Literal reports whether the variable called name (ignoring case) is listed in
// Octopulumi.LiteralVariables, in any source: its value is taken as it is, even when it
// holds "#{".
func (v *Variables) Literal(name string) bool {
	return v != nil && v.literal[foldName(name)]
}

// All returns a copy of every variable, in the order they were first seen.
func (v *Variables) All() []Variable {
	if v == nil {
		return nil
	}
	return slices.Clone(v.vars)
}

// SensitiveValues returns the distinct non-empty values of the sensitive variables, for a
// log redactor or for masking.
func (v *Variables) SensitiveValues() []string {
	if v == nil {
		return nil
	}
	var out []string
	for _, x := range v.vars {
		if x.Sensitive && x.Value != "" && !slices.Contains(out, x.Value) {
			out = append(out, x.Value)
		}
	}
	return out
}

// ParsePairs reads explicit "Name=Value" pairs, e.g. from repeated command-line flags; the
// name ends at the first '='. A pair without '=', an empty name, or a name given twice is an
// error that names the pair by position, never by its value.
func ParsePairs(pairs []string, sensitive bool) ([]Variable, error) {
	out := make([]Variable, 0, len(pairs))
	seen := make(map[string]bool, len(pairs))
	for i, p := range pairs {
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("octoenv: variable pair %d has no '=': write it as Name=Value", i+1)
		}
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("octoenv: variable pair %d has an empty name: write it as Name=Value", i+1)
		}
		k := foldName(name)
		if seen[k] {
			return nil, fmt.Errorf("octoenv: variable %q is given twice in the pairs (names are case-insensitive)", name)
		}
		seen[k] = true
		out = append(out, Variable{Name: name, Value: value, Sensitive: sensitive})
	}
	return out, nil
}

// Option configures [Load].
type Option func(*options) error

type jsonSource struct {
	r         io.Reader
	sensitive bool
	name      string // for errors; "" when unnamed
}

type options struct {
	json      []jsonSource
	maxJSON   int64
	environ   []string
	useEnv    bool
	explicit  [][]Variable
	sensitive []string
	logger    *slog.Logger
}

// WithJSON adds a JSON object of variables (see [ReadJSON]), such as
// `$OctopusParameters | ConvertTo-Json` on stdin. Mark its sensitive variables through
// Octopulumi.SensitiveVariables or [WithSensitiveNames]. Because it may hold secrets, pass
// it on stdin rather than in a file. Its errors call it "JSON source <n>"; name it with
// [WithJSONNamed] instead.
func WithJSON(r io.Reader) Option { return withJSON("WithJSON", "", r, false) }

// WithSensitiveJSON adds a JSON object whose variables are all sensitive (the "second
// object" convention).
func WithSensitiveJSON(r io.Reader) Option { return withJSON("WithSensitiveJSON", "", r, true) }

// WithJSONNamed is [WithJSON] for a source its errors name, so that a user knows which
// input to fix: with the name "stdin (--variables-json -)" an error reads
// `octoenv: the variables JSON from stdin (--variables-json -): byte 17: …`. The name
// should say where the JSON came from and how it was asked for; it is never a value.
func WithJSONNamed(name string, r io.Reader) Option {
	return withJSON("WithJSONNamed", name, r, false)
}

// WithSensitiveJSONNamed is [WithSensitiveJSON] for a source its errors name, as
// [WithJSONNamed].
func WithSensitiveJSONNamed(name string, r io.Reader) Option {
	return withJSON("WithSensitiveJSONNamed", name, r, true)
}

func withJSON(fn, name string, r io.Reader, sensitive bool) Option {
	return func(o *options) error {
		if r == nil {
			return fmt.Errorf("octoenv: %s: nil reader", fn)
		}
		o.json = append(o.json, jsonSource{r: r, sensitive: sensitive, name: name})
		return nil
	}
}

// WithMaxJSONBytes sets the size limit of each JSON source (default DefaultMaxJSONBytes).
func WithMaxJSONBytes(n int64) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("octoenv: WithMaxJSONBytes(%d): the limit must be positive", n)
		}
		o.maxJSON = n
		return nil
	}
}

// WithEnviron adds environment variables in os.Environ form (see [FromEnviron]).
func WithEnviron(environ []string) Option {
	return func(o *options) error {
		o.environ, o.useEnv = environ, true
		return nil
	}
}

// WithVariables adds explicit variables, e.g. from command-line flags (see [ParsePairs]).
// Explicit variables win over every other source.
func WithVariables(vars ...Variable) Option {
	return func(o *options) error {
		o.explicit = append(o.explicit, vars)
		return nil
	}
}

// WithSensitiveNames marks the named variables sensitive, whatever their source.
func WithSensitiveNames(names ...string) Option {
	return func(o *options) error {
		o.sensitive = append(o.sensitive, names...)
		return nil
	}
}

// WithLogger sets a logger for debug messages (counts per source, never values). By
// default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("octoenv: WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// Load reads and combines the variable sources in this precedence, lowest first:
//
//  1. JSON objects ([WithJSON], [WithSensitiveJSON]), in the order given;
//  2. environment variables ([WithEnviron]);
//  3. explicit variables ([WithVariables]), in the order given.
//
// A later source wins for the same name; sensitivity is sticky (see [Merge]). Load returns
// when the sources are read or ctx ends, whichever is first (a reader blocked on a terminal
// is abandoned, not closed). Errors of several sources are joined.
func Load(ctx context.Context, opts ...Option) (*Variables, error) {
	o := options{maxJSON: DefaultMaxJSONBytes, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	var (
		layers []layer
		errs   []error
	)
	for i, src := range o.json {
		l, err := readJSONContext(ctx, src, o.maxJSON)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			if src.name == "" {
				err = fmt.Errorf("JSON source %d: %w", i+1, err)
			}
			errs = append(errs, err)
			continue
		}
		o.logger.DebugContext(ctx, "octoenv: read JSON variables", "source", i+1, "name", src.name, "count", len(l.vars), "sensitive", src.sensitive)
		layers = append(layers, l)
	}
	if o.useEnv {
		vars, err := FromEnviron(o.environ)
		if err != nil {
			errs = append(errs, err)
		} else {
			o.logger.DebugContext(ctx, "octoenv: read environment variables", "count", len(vars))
			layers = append(layers, layer{vars: vars})
		}
	}
	for _, vars := range o.explicit {
		o.logger.DebugContext(ctx, "octoenv: explicit variables", "count", len(vars))
		layers = append(layers, layer{vars: vars})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return merge(o.sensitive, layers)
}

func readJSONContext(ctx context.Context, src jsonSource, max int64) (layer, error) {
	if err := ctx.Err(); err != nil {
		return layer{}, err
	}
	type result struct {
		l   layer
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := readJSON(src.r, max, src.sensitive, src.name)
		done <- result{l, err}
	}()
	select {
	case r := <-done:
		return r.l, r.err
	case <-ctx.Done():
		return layer{}, fmt.Errorf("octoenv: reading %s: %w", jsonSourceText(src.name), context.Cause(ctx))
	}
}
