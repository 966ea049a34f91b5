# Helm chart (chart/faas-autoscaler) and the flat release manifests made from it.
#   make helm                 build helm $(HELM_VERSION) once into $(HELM) (cold: ~7 CPU-minutes, ~4 min on 2 idle cores;
#                             35 s in a cold `make test`, where it follows k8s-tools and reuses their packages)
#   make prom-operator-crds   the prometheus-operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule, AlertmanagerConfig) of
#                             $(PROM_OPERATOR_VERSION), read from its Go module, into $(PROM_OPERATOR_CRDS)
#   make release-manifests    dist/faas-autoscaler.yaml (with ServiceMonitor, PrometheusRule, dashboards) and dist/faas-autoscaler-core.yaml
#                             (no prometheus-operator objects) rendered from the chart's defaults
#   make test-chart           just the chart tests (helm lint/template, and the real API server)
# The chart tests find helm through HELM and the CRDs through PROM_OPERATOR_CRDS, and skip
# without them (fail when CI=true).
HELM_VERSION := v3.22.0
HELM ?= $(TOOLS_DIR)/helm-$(HELM_VERSION)/helm
export HELM
PROM_OPERATOR_VERSION := v0.85.0
PROM_OPERATOR_CRDS ?= $(TOOLS_DIR)/prometheus-operator-crds-$(PROM_OPERATOR_VERSION)
export PROM_OPERATOR_CRDS
RELEASE_DIR ?= dist

.PHONY: helm prom-operator-crds release-manifests test-chart
helm:
	@if [ -x "$(HELM)" ]; then exit 0; fi; \
	echo "==> building helm $(HELM_VERSION) into $(HELM) (about 4 minutes cold on 2 idle cores)"; \
	mkdir -p "$(dir $(HELM))" && start=$$(date +%s) && \
	cd hack/helm-tool && GOWORK=off CGO_ENABLED=0 $(GO) build -trimpath \
		-ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$(HELM_VERSION)" \
		-o "$(HELM).tmp" helm.sh/helm/v3/cmd/helm && \
	mv "$(HELM).tmp" "$(HELM)" && echo "==> helm built in $$(( $$(date +%s) - start )) s"

# Only the four CRDs the chart uses, from the operator's published manifests;
# the module itself stays in the Go module cache. A cache filled before the
# AlertmanagerConfig CRD was added has its stamp but not that file: filled again.
prom-operator-crds:
	@if [ -f "$(PROM_OPERATOR_CRDS)/.stamp" ] && [ -f "$(PROM_OPERATOR_CRDS)/monitoring.coreos.com_alertmanagerconfigs.yaml" ]; then exit 0; fi; \
	echo "==> prometheus-operator $(PROM_OPERATOR_VERSION) CRDs into $(PROM_OPERATOR_CRDS)"; \
	dir=$$(cd "$$(mktemp -d)" && GOFLAGS=-mod=mod $(GO) mod download -json github.com/prometheus-operator/prometheus-operator@$(PROM_OPERATOR_VERSION) \
		| sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && \
	test -d "$$dir/example/prometheus-operator-crd" && mkdir -p "$(PROM_OPERATOR_CRDS)" && \
	for k in servicemonitors podmonitors prometheusrules alertmanagerconfigs; do \
		cp "$$dir/example/prometheus-operator-crd/monitoring.coreos.com_$$k.yaml" "$(PROM_OPERATOR_CRDS)/" || exit 1; \
	done && chmod u+w "$(PROM_OPERATOR_CRDS)"/*.yaml && touch "$(PROM_OPERATOR_CRDS)/.stamp"

release-manifests: helm
	@mkdir -p $(RELEASE_DIR)
	"$(HELM)" template faas-autoscaler chart/faas-autoscaler --namespace openfaas \
		--set prometheusRule.enabled=true --set serviceMonitor.enabled=true --set grafanaDashboards.enabled=true >$(RELEASE_DIR)/faas-autoscaler.yaml
	"$(HELM)" template faas-autoscaler chart/faas-autoscaler --namespace openfaas \
		--set prometheusRule.enabled=false --set serviceMonitor.enabled=false --set podMonitor.enabled=false >$(RELEASE_DIR)/faas-autoscaler-core.yaml
	@echo "==> wrote $(RELEASE_DIR)/faas-autoscaler.yaml and $(RELEASE_DIR)/faas-autoscaler-core.yaml"

test-chart: helm prom-operator-crds k8s-tools
	$(GO) test -count=1 -timeout 10m ./chart/...

TEST_DEPS += helm prom-operator-crds
