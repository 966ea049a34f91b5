# Trace-replay simulator (issue 8). Results from the Azure traces must cite
# Shahrad et al., "Serverless in the Wild", USENIX ATC 2020 (CC BY 4.0).
SIM_TRACE ?= ../shared/traces/azure2019-invitro-200fn
SIM_OUT   ?= bench/results/sim
export SIM_TRACE

SIM_TRACES   ?= ../shared/traces
SIM_EVAL_OUT ?= bench/results/sim-eval
# SIM_EVAL_KNATIVE=0 leaves Knative's KPA out of the matrix (its module's
# first build downloads ~60 modules and takes minutes cold).
SIM_EVAL_KNATIVE ?= 1
SIM_EVAL_FLAGS ?=

.PHONY: sim-day sim-knative test-knative bench-sim bench-replay sim-eval knative-bin

# sim-day: the 200-function day against every policy, with the charts.
sim-day: build
	@mkdir -p $(SIM_OUT)
	./$(BIN_DIR)/faas-autoscaler sim --trace $(SIM_TRACE) --progress always \
		--json $(SIM_OUT)/day.json --csv $(SIM_OUT)/day.csv --svg $(SIM_OUT)/pareto.svg \
		$(if $(wildcard $(SIM_OUT)/knative.json),--include $(SIM_OUT)/knative.json)

# sim-eval: the evaluation matrix of issue 12 (docs/sim.md, "Evaluation
# matrix"): 24 cells × 9 policies, the verdict table on stdout, JSON, CSV and
# charts into $(SIM_EVAL_OUT). Wall time and CPU seconds are printed last.
# Held-out traces: any other folder under $(SIM_TRACES) with a CSV file, or
# SIM_EVAL_FLAGS='--trace DIR' (report cells of their own).
sim-eval: build $(if $(filter 1,$(SIM_EVAL_KNATIVE)),knative-bin)
	@mkdir -p $(SIM_EVAL_OUT)
	set -o pipefail; ./$(BIN_DIR)/faas-autoscaler sim-eval --traces $(SIM_TRACES) --out $(SIM_EVAL_OUT) \
		$(if $(filter 1,$(SIM_EVAL_KNATIVE)),--knative $(BIN_DIR)/knative-kpa) $(SIM_EVAL_FLAGS) \
		| tee $(SIM_EVAL_OUT)/verdict.txt

# knative-bin: bench/knative's KPA replay as a binary sim-eval runs per cell.
knative-bin:
	cd bench/knative && $(GO) build -o $(abspath $(BIN_DIR))/knative-kpa .

# sim-knative: Knative's real KPA decider (separate module, ~2 min cold build).
sim-knative:
	@mkdir -p $(SIM_OUT)
	cd bench/knative && $(GO) run . --trace $(abspath $(SIM_TRACE)) --json $(abspath $(SIM_OUT))/knative.json

# test-knative vets and tests the separate bench/knative module, which the
# root's `go vet ./...` and `go test ./...` never reach (a nested module).
# Part of `make test` (scripts/test-all.sh runs it after the root packages,
# so it reuses their compiled k8s.io packages). Measured cold (empty build cache, modules
# already downloaded): 5.2 CPU-minutes (≈3 min on 2 idle cores; 6 min wall
# on the shared machine), part of it the root packages test-go then reuses;
# the first run also downloads ~60 modules (Knative, client-go). Warm: 6 s.
test-knative:
	@echo "==> bench/knative (separate module): go vet, go test"
	cd bench/knative && $(GO) vet ./... && $(GO) test -count=1 ./...
TEST_DEPS += test-knative

bench-sim:
	$(GO) test -run '^$$' -bench ReplayDay -benchtime 1x ./sim/

# bench-replay: issue 12's replay figure, the CPU of `sim` replaying the
# 200-function day with faas-autoscaler over the same with fixed-10m, in
# REPLAY_ROUNDS alternating rounds (about 4 s each); REPLAY_AGAINST=BIN runs
# a second build's replay in the same rounds (e.g. the commit before a change).
REPLAY_ROUNDS ?= 9
REPLAY_AGAINST ?=
bench-replay: build
	FAAS_REPLAY_BENCH=1 REPLAY_BIN=$(abspath $(BIN_DIR))/faas-autoscaler REPLAY_TRACE=$(abspath $(SIM_TRACE)) \
		REPLAY_ROUNDS=$(REPLAY_ROUNDS) $(if $(REPLAY_AGAINST),REPLAY_AGAINST=$(abspath $(REPLAY_AGAINST))) \
		$(GO) test -count=1 -timeout 30m -run TestReplayRatio -v ./bench/replay
