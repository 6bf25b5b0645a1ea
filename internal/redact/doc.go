// Package redact replaces known secrets in strings, errors and streams.
//
// It is the one redactor of octopulumi, a leaf that imports nothing of ours:
// pkg/auth registers the tokens it handles, pkg/runner scrubs the pulumi
// process's log and errors, and pkg/step shares one [Redactor] between them
// and everything the step prints, so a secret registered anywhere is scrubbed
// everywhere. pkg/auth re-exports it as auth.Redactor for library users.
package redact
