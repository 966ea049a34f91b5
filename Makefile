# faas-autoscaler — the two commands a newcomer needs:
#   make run    the controller on its embedded default (no Prometheus, no cluster)
#   make test   the whole suite; installs what the tests need when it is missing
SHELL := /bin/bash
GO    ?= go
# Tools built from Go modules live outside the repo, keyed by version.
TOOLS_DIR ?= $(HOME)/.cache/faas-autoscaler/tools
export TOOLS_DIR
BIN_DIR := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
# Extra `make test` prerequisites; each mk/*.mk appends its own.
TEST_DEPS :=
DURATION ?= 0

.PHONY: all build run test test-serial test-go test-race deps lint bench fmt tidy clean
all: build

-include mk/*.mk

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN_DIR)/faas-autoscaler ./cmd/faas-autoscaler

run: build
	./$(BIN_DIR)/faas-autoscaler run --duration $(DURATION)

deps:
	@scripts/install-deps.sh

# test: scripts/test-all.sh builds the tools (TEST_DEPS) in the background
# while the packages that need none run, then runs the rest; it prints each
# part's output whole and names the failing parts. test-serial is the same
# work one step after another (slower cold; for bisecting a CI problem).
test: deps
	@MAKE="$(MAKE)" GO="$(GO)" scripts/test-all.sh

test-serial: deps $(TEST_DEPS) test-go

test-go:
	@echo "==> go test ./... (real Prometheus/AlertManager tests start their own servers)"
	$(GO) test -count=1 -timeout 20m ./...

# The packages whose goroutines share state (the loops, the actuator's pool,
# reloads against the explain API), under the race detector: about a minute
# warm. Not part of `make test`: its race build of every dependency would
# cost the cold run minutes it does not have.
RACE_PKGS := ./scaler/... ./controller/... ./actuator/... ./alerts/... ./idler/... ./keepalive/...
test-race:
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(TOOLS_DIR)/staticcheck-$(STATICCHECK_VERSION)/staticcheck

$(STATICCHECK):
	@echo "==> building staticcheck $(STATICCHECK_VERSION) into $(dir $@) (about a minute cold)"
	@GOBIN="$(dir $@)" $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK)
	@echo "==> gofmt"; out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "$$out"; exit 1; fi
	@echo "==> go vet"; $(GO) vet ./...
	@echo "==> staticcheck"; "$(STATICCHECK)" ./...
	@# bench/knative is a module of its own (Knative's autoscaler, for comparison
	@# only); its go vet runs with its tests in make test (test-knative).
	@echo "==> staticcheck: bench/knative"; cd bench/knative && "$(STATICCHECK)" ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

tidy:
	$(GO) mod tidy

clean:
	rm -rf $(BIN_DIR)
