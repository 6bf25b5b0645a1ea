// Package archtest holds tests that keep the module's architecture honest:
// what pkg/ may import, and what the library module may depend on.
package archtest
