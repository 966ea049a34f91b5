# Go native fuzzing of every parser that reads outside input (issue 15).
#   make fuzz                 each target below for FUZZ_TIME (default 5m), one at a time
#   make fuzz FUZZ_TIME=30s   a quick pass
# A crash is written to <pkg>/testdata/fuzz/<Target>/ and then replays in `make test`.
# Not part of `make test` (it takes FUZZ_TIME × targets).
FUZZ_TIME ?= 5m
FUZZ_TARGETS := \
	./alerts:FuzzDecode \
	./scaler:FuzzParseSpec \
	./idler:FuzzParseMinSchedule \
	./idler:FuzzParseRunSchedule \
	./sim/trace:FuzzParseInvocations \
	./sim/trace:FuzzParseDurations \
	./sim/trace:FuzzParseInvocationLog \
	./config:FuzzParse \
	./metricsource/prometheus:FuzzAnswer \
	./metricsource/embedded:FuzzScrape \
	./provider/openfaas:FuzzFunctions \
	./provider/openfaas:FuzzSystemInfo

.PHONY: fuzz
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "==> fuzz $$pkg $$fn for $(FUZZ_TIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZ_TIME) -parallel 1 "$$pkg"; \
	done
