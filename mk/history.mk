# make bench-history     the keep-alive's rebuild from history at start (keepalive.RebuildWithin, as controller.Learn
#                        runs it) against Debian's Prometheus holding a synthetic day of HISTORY_FUNCTIONS functions
#                        (default 10000) scraped every 15 s, written as TSDB blocks; logs each query's cost and how
#                        much of the day the rebuild reads within HISTORY_REBUILD_TIMEOUT (default 30s);
#                        HISTORY_WHOLE=1 also times the whole day without a bound. Not part of `make test`:
#                        bench/history is a module of its own (it writes blocks with github.com/prometheus/prometheus).
HISTORY_FUNCTIONS ?= 10000

.PHONY: bench-history
bench-history: deps
	cd bench/history && FAAS_HISTORY_BENCH=1 HISTORY_FUNCTIONS=$(HISTORY_FUNCTIONS) \
		$(GO) test -count=1 -timeout 60m -run TestRebuildADay -v .
