# octopulumi — build, test and demo.
#
#   make demo        build the toolchain if needed, then run the example deploy step
#   make test        toolchain, go vet, go test -race over every module
#   make toolchain   the pinned Pulumi toolchain, into .tools/ (a no-op when up to date)
#   make bench       the performance figures of the README (bench-cache apart: it is slow)
#   make dist        release packages of octopulumi for Octopus, into dist/ (reproducible)
#
# Versions live in one place each: upstream Pulumi modules in tools/go.mod
# (the CLI and pulumi-go-provider), tools/yaml/go.mod (the YAML language
# host, which needs the Pulumi version it was released with) and
# tools/nodejs/go.mod (the Node.js language host); the npm packages of the
# JavaScript and TypeScript test programs in tools/node/package-lock.json;
# our test provider's version below.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

LOCALFILE_VERSION := 0.1.0

ROOT    := $(CURDIR)
TOOLS   := $(ROOT)/.tools
BIN     := $(TOOLS)/bin
PLUGINS := $(TOOLS)/plugins
# Not in BIN: a provider binary on PATH would be used instead of downloading
# its plugin, and the tests must see real downloads.
PROVIDER_BIN := $(TOOLS)/provider
GOOS    := $(shell go env GOOS)
GOARCH  := $(shell go env GOARCH)

TOOLS_MOD := tools/go.mod tools/go.sum
YAML_MOD  := tools/yaml/go.mod tools/yaml/go.sum
NODEJS_MOD := tools/nodejs/go.mod tools/nodejs/go.sum
# The npm packages of the test programs, installed once (npm ci) and shared;
# the npm cache it fills lets tests that run `pulumi install` work offline.
NODE_DIR  := $(TOOLS)/node
NPM_CACHE := $(TOOLS)/npm-cache
NODE_LOCK := tools/node/package.json tools/node/package-lock.json
LOCALFILE_SRC := $(wildcard tools/provider/localfile/*.go)
LOCALFILE_TARBALL := $(PLUGINS)/pulumi-resource-localfile-v$(LOCALFILE_VERSION)-$(GOOS)-$(GOARCH).tar.gz

# Evaluated only when a recipe needs it, so an up-to-date `make toolchain` stays instant.
PULUMI_VERSION = $(shell cd tools && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)

export PATH := $(BIN):$(PATH)

.PHONY: help
help:
	@sed -n 's/^#   //p' Makefile

.PHONY: toolchain
toolchain: $(BIN)/pulumi $(BIN)/pulumi-language-yaml $(BIN)/pulumi-language-nodejs $(NODE_DIR)/.installed $(LOCALFILE_TARBALL) shellcheck

# The CLI must know its own version: the Automation API and `pulumi version`
# read it from this link-time variable.
$(BIN)/pulumi: $(TOOLS_MOD)
	cd tools && go build -trimpath -o $@.tmp \
	  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$(PULUMI_VERSION)" \
	  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
	mv $@.tmp $@
	$@ version

$(BIN)/pulumi-language-yaml: $(YAML_MOD)
	cd tools/yaml && go build -trimpath -o $@.tmp github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
	mv $@.tmp $@

# Beside pulumi: elsewhere the CLI warns on every run.
$(BIN)/pulumi-language-nodejs: $(NODEJS_MOD)
	cd tools/nodejs && go build -trimpath -o $@.tmp github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
	mv $@.tmp $@

# npm ci from the committed lockfile (the npm registry is the only network
# it needs), into a scratch folder renamed into place, so that an
# interrupted install is never taken for a finished one.
$(NODE_DIR)/.installed: $(NODE_LOCK)
	@command -v npm >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { echo "npm not found: installing Debian's nodejs and npm"; apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 and npm (Debian: apt-get install nodejs npm)"; exit 1; }
	rm -rf $(NODE_DIR).tmp && mkdir -p $(NODE_DIR).tmp
	cp $(NODE_LOCK) $(NODE_DIR).tmp/
	cd $(NODE_DIR).tmp && npm ci --cache $(NPM_CACHE) --no-audit --no-fund --loglevel=error
	touch $(NODE_DIR).tmp/.installed
	rm -rf $(NODE_DIR) && mv $(NODE_DIR).tmp $(NODE_DIR)

$(PROVIDER_BIN)/pulumi-resource-localfile: $(TOOLS_MOD) $(LOCALFILE_SRC)
	cd tools && go build -trimpath -o $@.tmp -ldflags "-X main.Version=$(LOCALFILE_VERSION)" ./provider/localfile
	mv $@.tmp $@

# A plugin tarball as Pulumi downloads it, byte-for-byte reproducible.
$(LOCALFILE_TARBALL): $(PROVIDER_BIN)/pulumi-resource-localfile
	mkdir -p $(PLUGINS)
	tmp=$$(mktemp -d) && cp $< $$tmp/ && \
	  tar -C $$tmp --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - pulumi-resource-localfile \
	  | gzip -n > $@.tmp && rm -rf $$tmp
	mv $@.tmp $@

# shellcheck checks the step template's script (TestScriptShellcheck, which
# fails when CI=true and it is missing): Debian's, installed as root like nodejs.
.PHONY: shellcheck
shellcheck:
	@command -v shellcheck >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
	  { echo "shellcheck not found: installing Debian's shellcheck"; apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; }
	@command -v shellcheck >/dev/null || echo "shellcheck not found: install it (Debian: apt-get install shellcheck); the step template's shellcheck test skips without it"

.PHONY: vet
vet:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -w these files:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	GOOS=windows go vet ./pkg/... ./internal/... ./adapters/...
	cd tools && go vet ./...
	cd pkg/runner/benchcmp && go vet ./...

.PHONY: test
# The benchmark smoke runs first, so that the last line is the tests' own
# "N passed, N failed, N skipped".
test: toolchain vet
	@echo "benchmarks, one iteration each (the figures: make bench):"
	go test -run '^$$' -bench . -benchtime 1x -benchmem ./pkg/octoenv/ ./pkg/auth/
	go build -o $(TOOLS)/testsummary ./internal/cmd/testsummary
	go test -race -count=1 -json ./... | $(TOOLS)/testsummary

# The demo keeps its state and PULUMI_HOME in one temp folder, so a second
# run is an update with no changes. Its provider plugin is installed from the
# tarball, as on an air-gapped worker.
DEMO ?= $(or $(TMPDIR),/tmp)/octopulumi-demo

.PHONY: demo
demo: toolchain
	PULUMI_HOME=$(DEMO)/home pulumi plugin install resource localfile $(LOCALFILE_VERSION) \
	  --file $(LOCALFILE_TARBALL) --non-interactive >/dev/null
	go run ./examples/deploy-step -work $(DEMO)

.PHONY: clean
clean:
	rm -rf $(TOOLS)

# pkg/cache benchmark: restore from an extracted bundle vs `pulumi plugin
# install` of synthetic 100 MB and 1 GB plugins from a loopback mirror (slow:
# it generates the plugins; about 3 GB of temporary disk, removed afterwards).
.PHONY: bench-cache
bench-cache: toolchain
	go test -tags cachebench -run '^TestRestoreBenchmark$$' -count=1 -v -timeout 30m ./pkg/cache/

# The README's performance figures. Each benchmark runs both sides in one run
# and reports the ratio as a metric.
.PHONY: bench bench-octoenv bench-auth bench-runner bench-node bench-node-first
bench: bench-octoenv bench-auth bench-runner bench-node bench-node-first

bench-octoenv:
	go test -run '^$$' -bench BenchmarkContextFromJSON -benchmem -count 5 ./pkg/octoenv/

bench-auth: toolchain
	go test -run '^$$' -bench BenchmarkLoginOIDC -benchtime 10x ./pkg/auth/

# BenchmarkDeploy (file backend: runner, guide script, Automation API, bare
# up), BenchmarkDeployCloud (the same on the fake Pulumi Cloud over
# loopback HTTP) and BenchmarkDeployMany (300 resources and 300 outputs,
# the runner as the step runs it against a bare up, wall and CPU time).
bench-runner: toolchain
	cd pkg/runner/benchcmp && go test -run '^$$' -bench Deploy -benchtime 10x -timeout 30m

# Release packages: octopulumi for linux-amd64, linux-arm64, windows-amd64
# and darwin-arm64, stamped with VERSION, the commit and the Pulumi CLI
# version it is tested with, packed as Octopus packages
# (octopulumi-<os>-<arch>.<version>.tar.gz / .zip) with SHA256SUMS. The same
# commit gives the same bytes: entries carry the commit's time.
DIST ?= dist

.PHONY: dist
dist:
	go run ./internal/cmd/dist -version $$(cat VERSION) -commit $$(git rev-parse HEAD) \
	  -date $$(git log -1 --format=%ct) -pulumi $(PULUMI_VERSION) -out $(DIST)

# A TypeScript deploy from a fresh work folder without node_modules on a
# worker that deployed it before: ours (dependencies from the worker cache)
# against Pulumi's guide script and a bare pulumi up with node_modules
# present.
bench-node: toolchain
	go test -run '^$$' -bench '^BenchmarkNodeDeploy$$' -benchtime 5x -timeout 30m ./adapters/octopulumi/

# The first deployment on an empty worker: npm downloads every package from
# the npm registry, on both sides.
bench-node-first: toolchain
	go test -run '^$$' -bench '^BenchmarkNodeFirstDeploy$$' -benchtime 2x -timeout 30m ./adapters/octopulumi/
