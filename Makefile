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
test: tools ## vet and run every test, the example stack's too (installs what the tests need first)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	cd examples/nightly && $(GO) vet ./... && $(GO) test -count=1 -timeout 10m ./...

.PHONY: bench
bench: tools ## run the benchmarks and print their figures
	$(GO) test -run '^$$' -bench . -skip BenchmarkLocal -benchmem -benchtime 3x ./...

.PHONY: bench-handlers
bench-handlers: ## each handler's zip (arm64, as the worker deploys it) beside its start-up: medians of 20 starts to ready and to the first response
	@{ $(GO) test -run '^$$' -bench 'BenchmarkHandlerZipSize' -benchtime 1x ./components/worker/ && \
	   $(GO) test -run '^$$' -bench 'BenchmarkHandlerStartup' -benchtime 1x ./functions/internal/lambdatest/; } | awk ' \
	  /^(FAIL|panic|---)/ || /_test.go:/ { print; next } \
	  /^BenchmarkHandler(ZipSize|Startup)\// { split($$1, p, "/"); n = p[2]; sub(/-[0-9]+$$/, "", n); names[n] = 1; \
	    for (i = 3; i < NF; i += 2) m[n, $$(i+1)] = $$i } \
	  END { printf "%-18s %10s %14s %22s\n", "handler", "zip MB", "ms to ready", "ms to first response"; \
	    for (n in names) printf "%-18s %10.2f %14.1f %22.1f\n", n, m[n, "zip-bytes"] / 1e6, m[n, "ms-to-ready"], m[n, "ms-to-first-response"] | "sort" }'

.PHONY: bench-memory
bench-memory: ## each reference handler's peak memory (RSS), CPU time and log bytes, whole and per item, run as its built binary over realistic inputs (medians of 5 processes per size); the load average it ran under
	@uptime | sed 's/.*load/load/'
	@$(GO) test -run '^$$' -bench 'BenchmarkHandlerMemory' -benchtime 1x ./functions/internal/lambdatest/ | awk ' \
	  /^(FAIL|panic|---)/ || /_test.go:/ { print; next } \
	  /^BenchmarkHandlerMemory\// { split($$1, p, "/"); h = p[2]; n = p[3]; sub(/^items=/, "", n); sub(/-[0-9]+$$/, "", n); \
	    delete m; for (i = 3; i < NF; i += 2) m[$$(i+1)] = $$i; \
	    row[++rows] = sprintf("%-16s %8d %14.1f %10.1f %14s %14s %12d %16s", h, n, m["peak-RSS-MB"], m["CPU-ms"], \
	      ("CPU-ms/item" in m) ? sprintf("%.3f", m["CPU-ms/item"]) : "-", ("RSS-KB/item" in m) ? sprintf("%.2f", m["RSS-KB/item"]) : "-", \
	      m["log-bytes"], ("log-bytes/item" in m) ? sprintf("%.1f", m["log-bytes/item"]) : "-") } \
	  END { printf "%-16s %8s %14s %10s %14s %14s %12s %16s\n", "handler", "items", "peak RSS MB", "CPU ms", "CPU ms/item", "RSS KB/item", "log bytes", "log bytes/item"; \
	    for (i = 1; i <= rows; i++) print row[i] }'
	@uptime | sed 's/.*load/load/'

.PHONY: bench-local
bench-local: ## make local's wall time against the ideal: one run and three at once, at a binding and a non-binding rate, and at the talk's size
	$(GO) test -run '^$$' -bench BenchmarkLocal -benchtime 1x -timeout 30m ./infra/local/

.PHONY: lint
lint: ## gofmt, go mod tidy, go vet, golangci-lint (.golangci.yml) and actionlint at pinned versions
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

.PHONY: plan
plan: ## render the stage offline into out/$(STACK)/ (no credentials, no network): make plan STACK=dev
	$(GO) run ./infra/cmd/plan -stack $(STACK) -out out/$(STACK)

# BASE: what make diff compares against; zero means the merge base with main (origin/main when
# there is no local main, as in CI).
BASE ?=

.PHONY: diff
diff: ## what the working tree changes in a stage against BASE, offline: out/$(STACK)/diff.md and diff.json (make diff STACK=dev BASE=main; BASE defaults to the merge base with main)
	@base='$(BASE)'; \
	if [ -z "$$base" ]; then base=$$(git merge-base HEAD main 2>/dev/null || git merge-base HEAD origin/main); fi; \
	commit=$$(git rev-parse --verify --quiet "$$base^{commit}") || { echo "make diff: BASE $$base is not a commit" >&2; exit 2; }; \
	cache="$(CURDIR)/out/.cache/plans/$$commit/$(STACK)"; \
	if [ -f "$$cache/resources.json" ]; then echo "make diff: the plan of $${commit:0:12} is cached in $$cache"; \
	else \
	  tree=$$(mktemp -d); trap 'git worktree remove --force "$$tree/src" >/dev/null 2>&1 || true; rm -rf "$$tree"' EXIT; \
	  git worktree add --quiet --detach "$$tree/src" "$$commit"; \
	  rm -rf "$$cache.partial"; \
	  (cd "$$tree/src" && $(GO) run ./infra/cmd/plan -stack $(STACK) -out "$$cache.partial"); \
	  rm -rf "$$cache"; mv "$$cache.partial" "$$cache"; \
	fi; \
	rm -rf out/$(STACK); $(GO) run ./infra/cmd/plan -stack $(STACK) -out out/$(STACK); \
	$(GO) run ./components/plan/diff/cmd/plan-diff -stack $(STACK) -base "$$cache" -head out/$(STACK) \
	  -base-ref "$(if $(BASE),$(BASE),merge base with main) ($${commit:0:12})"

.PHONY: bench-diff
bench-diff: ## make diff's own time beyond its two plans, on the reference stack (dev against prod, every section changed); target under one second
	$(GO) test -run '^$$' -bench BenchmarkDiffReferenceStack -benchtime 20x ./infra/cmd/plan/

.PHONY: local
local: ## run the reference pipeline end to end on this machine
	$(GO) run ./infra/cmd/local -stack $(STACK)

.PHONY: preview
preview: ## pulumi preview of a stage in a real account (needs the pulumi CLI, AWS credentials and a backend login)
	pulumi preview --stack $(STACK) --diff

.PHONY: up
up: ## pulumi up of a stage in a real account (same needs as preview)
	pulumi up --stack $(STACK)
