package promql

// OncePerPod is expr (per-pod series, such as the kubelet's
// pod_cpu_usage_seconds_total, or a function of them that keeps their
// labels) with one series per function, pod and scraped address: the
// copies an undeduplicated HA pair holds, or a second scrape job of the
// same kubelet address adds (differing only in the replica's external
// label or in `job`), collapsed to their max, as OncePerGateway does for
// the gateway's series. `instance` is kept as well as the pod: a relabelling
// that drops `pod` (reference/openfaas.md lists the kubelet's series as
// {function_name, namespace}) must not merge one function's pods on two
// nodes into the larger of them. Copies are one counter read twice, so
// their max is the newer reading. Two jobs reaching one kubelet by two
// addresses (its node and the API server's proxy) stay two.
func OncePerPod(expr string) string {
	return "max by (function_name, namespace, pod, instance) (" + expr + ")"
}
