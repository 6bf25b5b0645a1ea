package auth

import "github.com/octopulumi/octopulumi/internal/redact"

// Redactor replaces known secrets with [Placeholder] in strings, errors and
// streams; see [WithRedactor]. It is octopulumi's one redactor, shared with
// the runner and the step.
type Redactor = redact.Redactor

// RedactWriter is a streaming writer that redacts secrets, made by
// [Redactor.Writer].
type RedactWriter = redact.Writer

// Placeholder is what a [Redactor] writes in place of a secret.
const Placeholder = redact.Placeholder

// NewRedactor returns a Redactor for the given secrets.
func NewRedactor(secrets ...string) *Redactor { return redact.New(secrets...) }

// RedactURL returns raw without user info, query or fragment, which may
// carry keys: fit for a log line or an error.
func RedactURL(raw string) string { return redact.URL(raw) }
