# make bench-history     the keep-alive's rebuild from history at start (keepalive.RebuildWithin, as controller.Learn
#                        runs it) against Debian's Prometheus holding a synthetic day of HISTORY_FUNCTIONS functions
#                        (default 10000) scraped every 15 s, written as TSDB blocks; logs each query's cost and how
#                        much of the day the rebuild reads within HISTORY_REBUILD_TIMEOUT (default 30s);
#                        HISTORY_WHOLE=1 also times the whole day without a bound. Not part of `make test`:
#                        bench/history is a module of its own (it writes blocks with github.com/prometheus/prometheus).
# make bench-history-controller
#                        the shipped controller (memory provider, defaults) started on that day, as a restart: its
#                        resident set through the rebuild, the fill of the older history and HISTORY_SETTLE (1m) after;
#                        HISTORY_GOMEMLIMIT / HISTORY_GOGC set the controller's GOMEMLIMIT / GOGC;
#                        HISTORY_PROVIDER=openfaas: the OpenFaaS provider listing the functions from a simulated
#                        (idle) gateway that Prometheus scrapes with the controller every 5 s, the footprint set-up.
HISTORY_FUNCTIONS ?= 10000

.PHONY: bench-history bench-history-controller
bench-history: deps
	cd bench/history && FAAS_HISTORY_BENCH=1 HISTORY_FUNCTIONS=$(HISTORY_FUNCTIONS) \
		$(GO) test -count=1 -timeout 60m -run TestRebuildADay -v .

bench-history-controller: deps
	cd bench/history && FAAS_HISTORY_BENCH=1 HISTORY_FUNCTIONS=$(HISTORY_FUNCTIONS) \
		$(GO) test -count=1 -timeout 60m -run TestControllerOnADay -v .
