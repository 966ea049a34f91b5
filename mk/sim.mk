# Trace-replay simulator (issue 8). Results from the Azure traces must cite
# Shahrad et al., "Serverless in the Wild", USENIX ATC 2020 (CC BY 4.0).
SIM_TRACE ?= ../shared/traces/azure2019-invitro-200fn
SIM_OUT   ?= bench/results/sim
export SIM_TRACE

.PHONY: sim-day sim-knative test-knative bench-sim

# sim-day: the 200-function day against every policy, with the charts.
sim-day: build
	@mkdir -p $(SIM_OUT)
	./$(BIN_DIR)/faas-autoscaler sim --trace $(SIM_TRACE) --progress always \
		--json $(SIM_OUT)/day.json --csv $(SIM_OUT)/day.csv --svg $(SIM_OUT)/pareto.svg \
		$(if $(wildcard $(SIM_OUT)/knative.json),--include $(SIM_OUT)/knative.json)

# sim-knative: Knative's real KPA decider (separate module, ~2 min cold build).
sim-knative:
	@mkdir -p $(SIM_OUT)
	cd bench/knative && $(GO) run . --trace $(abspath $(SIM_TRACE)) --json $(abspath $(SIM_OUT))/knative.json

# test-knative vets and tests the separate bench/knative module, which the
# root's `go vet ./...` and `go test ./...` never reach (a nested module).
# Part of `make test` (TEST_DEPS). Measured cold (empty build cache, modules
# already downloaded): 5.2 CPU-minutes (≈3 min on 2 idle cores; 6 min wall
# on the shared machine), part of it the root packages test-go then reuses;
# the first run also downloads ~60 modules (Knative, client-go). Warm: 6 s.
test-knative:
	@echo "==> bench/knative (separate module): go vet, go test"
	cd bench/knative && $(GO) vet ./... && $(GO) test -count=1 ./...
TEST_DEPS += test-knative

bench-sim:
	$(GO) test -run '^$$' -bench ReplayDay -benchtime 1x ./sim/
