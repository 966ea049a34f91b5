# make bench-footprint   the controller's RSS (built as the image builds it) with FOOTPRINT_FUNCTIONS idle functions (default 10000) on
#                        the simulated gateway and a real Prometheus, for FOOTPRINT_DURATION (default 3m);
#                        not part of `make test`. Needs prometheus, which `make deps` installs.
#                        From the environment: FOOTPRINT_HEAP_PROFILE=FILE, FOOTPRINT_SCRAPER=harness
#                        (for 100000 functions), FOOTPRINT_PROVIDER=memory or embedded, FOOTPRINT_GOMEMLIMIT=40MiB,
#                        FOOTPRINT_GOGC=50, FOOTPRINT_RESTART_AFTER=20m (a rollout: the second process measured)
#                        (bench/footprint says more).
FOOTPRINT_FUNCTIONS ?= 10000
FOOTPRINT_DURATION ?= 3m

.PHONY: bench-footprint
bench-footprint: deps
	FAAS_FOOTPRINT_BENCH=1 FOOTPRINT_FUNCTIONS=$(FOOTPRINT_FUNCTIONS) FOOTPRINT_DURATION=$(FOOTPRINT_DURATION) \
		$(GO) test -count=1 -timeout 30m -run TestFootprint -v ./bench/footprint
