// Package archtest holds tests that keep the module's architecture honest:
// what pkg/ may import (octoenv, auth, cache and runner nothing of ours but
// the internal leaves; only step composes them), that adapters only call
// the step or one library function and print, that internal/pulumicmd is
// the only code that starts a process, and what the library module may
// depend on.
package archtest
