# Fault-injection suite (faults/, issue 15): the real stack with fault
# proxies (internal/faultproxy) between the controller and the gateway and
# Prometheus; Prometheus stopped and restarted; the controller SIGKILLed
# mid-burst and mid-idle; hostile HTTP clients. It also runs in `make test`
# (it is a package of ./...); this target runs it alone (~4 min).
# Needs prometheus and prometheus-alertmanager, which `make deps` installs.
# Set FAULTS_REPORT=path to write the measured figures (docs/reliability.md).

.PHONY: test-faults
test-faults: deps
	$(GO) test -count=1 -timeout 15m -v -run TestFaults ./faults
