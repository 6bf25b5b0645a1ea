package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/octopulumi/octopulumi/internal/pulumicmd"
	"github.com/octopulumi/octopulumi/internal/redact"
	"github.com/octopulumi/octopulumi/internal/runfolder"
	"github.com/octopulumi/octopulumi/internal/safefile"
)

// runIDVar marks every pulumi process with the Runner's run folder, so that
// a later run can end what a dead one left running (see [Sweep]).
const runIDVar = runfolder.EnvRunID

// Runner runs Pulumi operations on one project folder with the real CLI,
// one process per operation. It is safe for concurrent use, though Pulumi
// itself allows one update at a time per stack (see [LockedError]). Close
// it: it owns a private run folder (the credentials the CLI stores, the
// stack config copy, engine event pipes, saved plans).
type Runner struct {
	dir    string
	opts   *options
	redact *redact.Redactor
	folder *runfolder.Folder
	// credentials is PULUMI_CREDENTIALS_PATH: where the CLI stores what it
	// knows of its login (with Pulumi Cloud, the token), in the run folder.
	credentials string
	// configFile is the stack config file every process uses, if any.
	configFile string
	// cloud are the cloud credentials' variables and the inherited ones
	// they supersede; set once, before operations (UseCloudCredentials).
	cloud atomic.Pointer[cloudEnv]
}

// cloudEnv is what UseCloudCredentials set.
type cloudEnv struct {
	env        map[string]string
	supersedes []string
}

// New returns a Runner for the Pulumi project in dir (the folder holding
// Pulumi.yaml). It makes the Runner's run folder; Close removes it.
func New(dir string, opts ...Option) (*Runner, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("runner: project folder %q: %w", dir, err)
	}
	if err := checkProjectDir(abs); err != nil {
		return nil, err
	}
	red := o.redactor
	if red == nil {
		red = redact.New()
	}
	red.Add(o.secrets...)
	run, err := runfolder.Create(o.tempDir)
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	r := &Runner{dir: abs, opts: o, redact: red, folder: run, configFile: o.configFile}
	if r.credentials, err = run.Sub("credentials"); err != nil {
		run.Close()
		return nil, fmt.Errorf("runner: %w", err)
	}
	if o.stackConfig != nil {
		if r.configFile, err = r.copyStackConfig(o.stackConfig.dir, o.stackConfig.stack); err != nil {
			run.Close()
			return nil, err
		}
	}
	// An inherited passphrase is a secret too.
	if pass, ok := pulumicmd.Lookup(r.env().Environ(nil), "PULUMI_CONFIG_PASSPHRASE"); ok {
		red.Add(pass)
	}
	return r, nil
}

// checkProjectDir says plainly what is wrong with a project folder.
func checkProjectDir(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("runner: the program folder %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("runner: the program folder %s: %w", dir, err)
	case !info.IsDir():
		return fmt.Errorf("runner: the program folder %s is a file, not a folder", dir)
	}
	for _, name := range []string{"Pulumi.yaml", "Pulumi.yml"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("runner: the program folder %s holds no Pulumi.yaml: point it at the folder of the Pulumi program", dir)
}

// Dir is the project folder.
func (r *Runner) Dir() string { return r.dir }

// TempDir is the Runner's private run folder (mode 0700), removed by Close:
// a place for files that must not outlive the run, such as a saved plan.
func (r *Runner) TempDir() string { return r.folder.Path() }

// ConfigFile is the stack config file every pulumi process reads and
// writes (--config-file), or "" for the CLI's default.
func (r *Runner) ConfigFile() string { return r.configFile }

// Close removes the run folder and everything in it: the credentials the CLI
// stored, the stack config copy, saved plans. It is safe to call more than
// once.
func (r *Runner) Close() error {
	if r == nil || r.folder == nil {
		return nil
	}
	return r.folder.Close()
}

// UseCloudCredentials gives every later pulumi process the variables a
// cloud provider reads (AWS_ACCESS_KEY_ID, ARM_CLIENT_ID, GOOGLE_CREDENTIALS…,
// typically from pkg/accounts), and keeps it from inheriting the variables
// they supersede (patterns such as "AWS_*", so that a worker's ambient
// AWS_SESSION_TOKEN cannot mix with an account's keys). Call it before the
// operations that need them, not while one runs; a later call replaces the
// earlier one. Files the variables name belong in [Runner.TempDir], removed
// by Close. Register the values with the redactor ([Runner.AddSecrets]).
// Owned variables cannot be set this way.
func (r *Runner) UseCloudCredentials(env map[string]string, supersedes []string) error {
	if err := (pulumicmd.Env{Set: env}).Check(); err != nil {
		return fmt.Errorf("runner: cloud credentials: %w", err)
	}
	for _, p := range supersedes {
		if strings.TrimSuffix(p, "*") == "" || strings.HasPrefix(p, "PULUMI_") {
			return fmt.Errorf("runner: cloud credentials: %q is too broad a pattern to supersede", p)
		}
	}
	c := &cloudEnv{env: map[string]string{}, supersedes: append([]string(nil), supersedes...)}
	for k, v := range env {
		c.env[k] = v
	}
	r.cloud.Store(c)
	return nil
}

// AddSecrets redacts more values from the log and errors from now on, such
// as secret config values read after the Runner was made.
func (r *Runner) AddSecrets(values ...string) { r.redact.Add(values...) }

// copyStackConfig makes a per-run copy of the stack's config file
// (Pulumi.<stack>.yaml in dir — the program folder, or its stackConfigDir —
// when there is one) in the run folder. Config set on the stack lands there,
// so it never lingers in the program folder for a later run to pick up.
func (r *Runner) copyStackConfig(dir, stack string) (string, error) {
	folder, err := r.folder.Sub("config")
	if err != nil {
		return "", fmt.Errorf("runner: %w", err)
	}
	// Only the stack's own name: an org/project/ prefix is not in the file name.
	name := stack[strings.LastIndex(stack, "/")+1:]
	file := filepath.Join(folder, "Pulumi."+name+".yaml")
	for _, base := range []string{"Pulumi." + name + ".yaml", "Pulumi." + name + ".yml"} {
		src := filepath.Join(dir, base)
		if _, err := os.Lstat(src); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("runner: copying the stack config %s: it is a symbolic link to a file that does not exist", src)
		}
		raw, err := safefile.ReadFile(src, maxConfigFile)
		if err == nil {
			err = os.WriteFile(file, raw, 0o600)
		}
		if err != nil {
			return "", fmt.Errorf("runner: copying the stack config %s: %w", src, err)
		}
		break
	}
	return file, nil
}

// maxConfigFile bounds a stack config file we read.
const maxConfigFile = 64 << 20
