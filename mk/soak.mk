# Soak (bench/soak, issue 15): 1,000 functions on the real stack (simulated
# gateway, real Prometheus and AlertManager, the controller binary), load
# redrawn every minute and alert storms every 30 s, for SOAK_DURATION.
# Samples goroutines, heap, RSS, FDs and webhook p99 into SOAK_OUT as
# soak.csv, soak.svg and soak.md (docs/reliability.md shows them).
#   make soak                       30 minutes
#   make soak SOAK_DURATION=3m      a smoke run
# Not part of `make test`. Runs nice'd: the machine may be shared.
SOAK_DURATION ?= 30m
SOAK_OUT ?= $(CURDIR)/docs/soak

.PHONY: soak
soak: deps
	FAAS_SOAK=1 SOAK_DURATION=$(SOAK_DURATION) SOAK_OUT=$(SOAK_OUT) nice $(GO) test -count=1 -timeout 0 -run TestSoak -v ./bench/soak
