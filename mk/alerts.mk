# AlertManager webhook receiver (alerts/).
#   make bench-alerts   BenchmarkWebhook (alerts/s through the handler) and BenchmarkBareDecode (json.Unmarshal floor)
#   make fuzz-alerts    fuzz the webhook decoder and handler for FUZZTIME (default 60s)
# The real-AlertManager test needs prometheus-alertmanager, which `make deps` installs.
FUZZTIME ?= 60s

.PHONY: bench-alerts fuzz-alerts
bench-alerts:
	$(GO) test -run '^$$' -bench 'Webhook|BareDecode' -benchmem -count 3 ./alerts

fuzz-alerts:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./alerts
