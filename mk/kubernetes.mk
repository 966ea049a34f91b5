# Kubernetes integration tests (provider/kubernetes, leader, internal/kubecluster)
# run a real control plane: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok, built from the tools modules under hack/.
#   make k8s-tools   build them once into $(K8S_TEST_BIN) (cold: ~7 min on 2 cores)
# Tests find them through K8S_TEST_BIN and skip without it (fail when CI=true).
# `make test` builds them nice'd in the background while the packages that
# need no tool run (scripts/test-all.sh), then helm and promtool3 reuse most of
# their compiled packages (hack/align-deps.sh).
K8S_VERSION  := v1.37.2
K8S_TEST_BIN ?= $(TOOLS_DIR)/k8s-$(K8S_VERSION)
export K8S_TEST_BIN

.PHONY: k8s-tools test-k8s
k8s-tools:
	@K8S_VERSION=$(K8S_VERSION) hack/k8s-tools/build.sh "$(K8S_TEST_BIN)"

# Just the Kubernetes packages; -p 1 because each package starts its own cluster.
test-k8s: k8s-tools
	$(GO) test -count=1 -p 1 -timeout 10m ./internal/kubecluster/... ./provider/kubernetes/... ./leader/... ./deploy/kubernetes/...

TEST_DEPS += k8s-tools
