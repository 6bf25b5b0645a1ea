// Command octopulumi runs Pulumi as a step of an Octopus Deploy deployment.
// See `octopulumi --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/octopulumi/octopulumi/adapters/octopulumi/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Environ: os.Environ()})
	stop()
	os.Exit(code)
}
