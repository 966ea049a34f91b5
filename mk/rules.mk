# Prometheus rules, AlertManager config and Grafana dashboards (rules/, dashboards/, deploy/).
#   make promtool3      build promtool 3.x (prometheus v0.316.0) once into $(PROMTOOL3) (cold: ~4 min;
#                       in `make test` it follows k8s-tools and helm and reuses their k8s.io, grpc, otel packages)
#   make check-deploy   promtool check/test rules and amtool check-config on the committed deploy/ files
#   make generate       regenerate deploy/ from the generators (golden -update)
# The rules tests find promtool 3 through PROMTOOL3 and skip without it (fail when CI=true).
PROMTOOL3_VERSION := v0.316.0
PROMTOOL3 ?= $(TOOLS_DIR)/promtool-$(PROMTOOL3_VERSION)/promtool
export PROMTOOL3

.PHONY: promtool3 check-deploy generate
promtool3:
	@if [ -x "$(PROMTOOL3)" ]; then exit 0; fi; \
	echo "==> building promtool $(PROMTOOL3_VERSION) into $(PROMTOOL3) (about 4 minutes cold)"; \
	mkdir -p "$(dir $(PROMTOOL3))" && \
	cd hack/promtool-tool && GOWORK=off CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=$(PROMTOOL3_VERSION)" -o "$(PROMTOOL3).tmp" github.com/prometheus/prometheus/cmd/promtool && \
	mv "$(PROMTOOL3).tmp" "$(PROMTOOL3)"

check-deploy: promtool3
	promtool check rules deploy/prometheus/rules.yml deploy/prometheus/rules-ce-compatible.yml
	promtool test rules deploy/prometheus/tests/*_test.yml
	"$(PROMTOOL3)" check rules deploy/prometheus/rules.yml deploy/prometheus/rules-ce-compatible.yml
	"$(PROMTOOL3)" test rules deploy/prometheus/tests/*_test.yml
	amtool check-config deploy/alertmanager/alertmanager.yml

generate: helm
	$(GO) test -count=1 -run 'TestGolden|TestSchema' ./rules/ ./dashboards/ ./chart/ -update

TEST_DEPS += promtool3
