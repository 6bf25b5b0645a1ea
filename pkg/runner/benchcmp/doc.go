// Package benchcmp holds only benchmarks: a full deploy through pkg/runner
// side by side with Pulumi's Octopus guide script, an Automation API flow
// and a bare `pulumi up`, on the two-files sample program with no changes,
// file backend. Run from the repository root:
//
//	make toolchain
//	cd pkg/runner/benchcmp && go test -run '^$' -bench Deploy -benchtime 10x
//
// The ratios are reported as metrics of one benchmark (each iteration runs
// every flow once, in rotating order, so machine load hits all alike).
package benchcmp
