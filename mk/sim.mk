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

# test-knative is not part of `make test`: its cold build takes minutes.
test-knative:
	cd bench/knative && $(GO) test -count=1 ./...

bench-sim:
	$(GO) test -run '^$$' -bench ReplayDay -benchtime 1x ./sim/
