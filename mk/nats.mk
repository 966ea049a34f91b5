# NATS JetStream for the async (queue) tests: metricsource/jetstream,
# internal/queueworker and the e2e async scenarios run a real nats-server,
# built from the hack/nats-tool module (not a dependency of the controller).
#   make nats-server   build it once into $(NATS_SERVER) (cold: ~1 min on 2 cores)
# Tests find it through NATS_SERVER and skip without it (fail when CI=true).
NATS_SERVER_VERSION := v2.15.2
NATS_SERVER ?= $(TOOLS_DIR)/nats-server-$(NATS_SERVER_VERSION)/nats-server
export NATS_SERVER

.PHONY: nats-server
nats-server:
	@if [ -x "$(NATS_SERVER)" ]; then exit 0; fi; \
	echo "==> building nats-server $(NATS_SERVER_VERSION) into $(NATS_SERVER) (about a minute cold)"; \
	mkdir -p "$(dir $(NATS_SERVER))" && \
	cd hack/nats-tool && GOWORK=off CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o "$(NATS_SERVER).tmp" github.com/nats-io/nats-server/v2 && \
	mv "$(NATS_SERVER).tmp" "$(NATS_SERVER)"

TEST_DEPS += nats-server

# bench-async-drain: 5,000 async messages drained by OpenFaaS CE as shipped
# vs faas-autoscaler's queue type from zero (not part of `make test`; ~2 min).
.PHONY: bench-async-drain
bench-async-drain: deps nats-server
	FAAS_ASYNC_BENCH=1 $(GO) test -count=1 -timeout 20m -run TestAsyncDrain -v ./bench/reaction
