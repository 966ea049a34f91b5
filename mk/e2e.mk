# End to end on the real stack (e2e/) and the reaction-time benchmark (bench/reaction/).
#   make test-e2e        only the e2e scenarios (they also run in `make test`; ~2 min)
#   make e2e-up          gateway simulator + Prometheus + AlertManager + controller by hand; Ctrl-C stops all
#   make bench-reaction  OpenFaaS CE vs faas-autoscaler at 1 s and 5 s scrape (not part of `make test`;
#                        REACTION_RUNS runs per setting, default 5; about 9 min). From the
#                        environment: REACTION_ONLY=TEXT keeps the settings whose name contains
#                        it; REACTION_DOWN_WINDOW=10m gives faas-autoscaler that down window (the
#                        figures use 2m), e.g. REACTION_ONLY="scrape 5s" REACTION_DOWN_WINDOW=10m
#                        for the shipped default's way down (~15 min).
# The e2e tests need prometheus and prometheus-alertmanager, which `make deps` installs.
REACTION_RUNS ?= 5
# Stacks run at once (each: Prometheus, AlertManager, controller; ~150 MB, little CPU).
REACTION_PARALLEL ?= 10

.PHONY: test-e2e e2e-up bench-reaction
test-e2e: deps
	$(GO) test -count=1 -timeout 10m ./e2e

e2e-up: deps
	@e2e/up.sh

bench-reaction: deps
	FAAS_REACTION_BENCH=1 REACTION_RUNS=$(REACTION_RUNS) REACTION_SVG=$(CURDIR)/docs/reaction-replicas.svg $(GO) test -count=1 -timeout 60m -parallel $(REACTION_PARALLEL) -run TestReaction -v ./bench/reaction
