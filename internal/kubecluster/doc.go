// Package kubecluster starts a real Kubernetes control plane for integration
// tests: etcd and kube-apiserver, plus kube-controller-manager, kube-scheduler
// and kwok (a fake kubelet) when the test needs pods to become Ready. The
// binaries come from $K8S_TEST_BIN (built by `make k8s-tools` from the tools
// modules under hack/); without it tests skip with a message, or fail when
// CI=true. Every process listens on free loopback ports, dies with the test
// binary (Pdeathsig) and is stopped in reverse start order, apiserver before
// etcd. On two cores a cluster costs about 4 s to start, so a package shares
// one (see Shared) and gives each test its own namespace.
package kubecluster
