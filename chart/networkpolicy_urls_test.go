package chart

import (
	"net/url"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// serviceNamespace is the namespace of the in-cluster Service an http URL
// names (<svc>, <svc>.<ns>, <svc>.<ns>.svc[.cluster.local]): a Service only
// ever fronts pods of its own namespace. "" for a host that is no Service
// name (an IP, an external name).
func serviceNamespace(t *testing.T, raw, releaseNamespace string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(u.Hostname(), ".")
	switch {
	case len(parts) == 1:
		return releaseNamespace
	case len(parts) == 2, parts[2] == "svc":
		return parts[1]
	}
	return ""
}

// egressReachesNamespace reports whether some egress rule of np lets the
// pods open a connection to pods in namespace ns (on some port, to some
// pods): a necessary condition for reaching any pod there.
func egressReachesNamespace(np *networkingv1.NetworkPolicy, ns string) bool {
	for _, r := range np.Spec.Egress {
		if len(r.To) == 0 {
			return true
		}
		for _, p := range r.To {
			switch {
			case p.IPBlock != nil:
				// Pod IPs are not meant to be matched by ipBlock; the
				// chart's only ipBlock is the API server's.
			case p.NamespaceSelector == nil:
				if np.Namespace == ns {
					return true
				}
			case len(p.NamespaceSelector.MatchLabels) == 0 && len(p.NamespaceSelector.MatchExpressions) == 0:
				return true
			case p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == ns:
				return true
			}
		}
	}
	return false
}

// The NetworkPolicy (on by default) must let the controller reach the
// Prometheus it is told to query (prometheus.url) and, with provider
// openfaas, the gateway it calls (openfaas.gatewayURL); or the chart must
// refuse the contradiction, as it does for others. Its egress peers
// defaulted to the release's namespace, while the URLs' defaults name the
// openfaas namespace (prometheus.openfaas, gateway.openfaas): an install
// into a namespace of its own, or a prometheus.url elsewhere (the chart's
// own test matrix renders http://prometheus.monitoring:9090 with the
// default policy), rendered a policy that dropped every PromQL query (and
// every provider call): the pod ran and was Ready, and never read a load.
// The peers now default to the namespace their URL names. Found by a review
// helper.
func TestNetworkPolicyEgressReachesTheConfiguredURLs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		namespace string
		sets      []string
		urlValue  string // the value naming the URL
		port      string // for the message
	}{
		{"defaults, installed in a namespace of its own", "faas-autoscaler", nil, "prometheus.url", "prometheus"},
		{"prometheus.url in another namespace", releaseNS, []string{"prometheus.url=http://prometheus.monitoring:9090"}, "prometheus.url", "prometheus"},
		{"provider openfaas, installed in a namespace of its own", "faas-autoscaler", []string{"provider=openfaas"}, "openfaas.gatewayURL", "gateway"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"template", releaseName, chartDir, "--namespace", tc.namespace}
			for _, s := range tc.sets {
				args = append(args, "--set", s)
			}
			out, stderr, err := helm(t, args...)
			if err != nil {
				t.Logf("the chart refuses the values (acceptable): %v\n%s", err, stderr)
				return
			}
			// The URL the controller is given, read from its args.
			docs := decode(t, out)
			var target string
			flag := map[string]string{"prometheus.url": "--prometheus-url=", "openfaas.gatewayURL": "--gateway-url="}[tc.urlValue]
			for _, d := range objects[*appsv1.Deployment](docs) {
				for _, a := range d.Spec.Template.Spec.Containers[0].Args {
					if v, ok := strings.CutPrefix(a, flag); ok {
						target = v
					}
				}
			}
			if target == "" {
				t.Fatalf("no %s in the Deployment's args", flag)
			}
			ns := serviceNamespace(t, target, tc.namespace)
			if ns == "" {
				t.Fatalf("%s %q names no in-cluster Service", tc.urlValue, target)
			}
			nps := objects[*networkingv1.NetworkPolicy](docs)
			if len(nps) != 1 {
				t.Fatalf("%d NetworkPolicies; want the default one", len(nps))
			}
			if !egressReachesNamespace(nps[0], ns) {
				var peers []string
				for _, r := range nps[0].Spec.Egress {
					for _, p := range r.To {
						if p.NamespaceSelector != nil {
							peers = append(peers, p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"])
						}
					}
				}
				t.Errorf("the controller queries %s (%s, a Service in namespace %s), but the NetworkPolicy's egress admits pods only in namespaces %v: "+
					"every %s call is dropped; want an egress rule to namespace %s, or the chart to refuse the values",
					target, tc.urlValue, ns, peers, tc.port, ns)
			}
		})
	}
}
