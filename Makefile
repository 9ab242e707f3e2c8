# skein: make help lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

STACK ?= dev
GO ?= go
GOLANGCI_LINT_VERSION := v2.15.0
ACTIONLINT_VERSION := v1.7.12
TOOLS_STAMP := .tools/node_modules/.installed

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(TOOLS_STAMP): .tools/package.json .tools/package-lock.json
	cd .tools && npm ci --no-audit --no-fund --loglevel=error
	@.tools/node_modules/.bin/node --version | grep -q '^v22\.' || { echo "Node 22 did not install into .tools" >&2; exit 1; }
	@touch $@

.PHONY: tools
tools: $(TOOLS_STAMP) ## install the independent judges (Node 22, asl-validator, aws-local-stepfunctions, aws-cron-parser, iam-simulate) from .tools' lockfile
	$(GO) mod download

.PHONY: build
build: ## build every handler under functions/ to out/functions/<name>.zip (same bytes as the worker deploys)
	$(GO) run ./components/worker/cmd/skein-build -o out/functions

.PHONY: test
test: tools ## vet and run every test (installs what the tests need first)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

.PHONY: bench
bench: tools ## run the benchmarks and print their figures
	$(GO) test -run '^$$' -bench . -skip BenchmarkLocal -benchmem -benchtime 3x ./...

.PHONY: bench-local
bench-local: ## make local's wall time against the ideal: one run and three at once, at a binding and a non-binding rate, and at the talk's size
	$(GO) test -run '^$$' -bench BenchmarkLocal -benchtime 1x -timeout 30m ./infra/local/

.PHONY: lint
lint: ## gofmt, go vet, golangci-lint and actionlint at pinned versions
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

.PHONY: plan
plan: ## render the stage offline into out/$(STACK)/ (no credentials, no network): make plan STACK=dev
	$(GO) run ./infra/cmd/plan -stack $(STACK) -out out/$(STACK)

.PHONY: local
local: ## run the reference pipeline end to end on this machine
	$(GO) run ./infra/cmd/local -stack $(STACK)

.PHONY: preview
preview: ## pulumi preview of a stage in a real account (needs the pulumi CLI, AWS credentials and a backend login)
	pulumi preview --stack $(STACK) --diff

.PHONY: up
up: ## pulumi up of a stage in a real account (same needs as preview)
	pulumi up --stack $(STACK)
