package manifests

import (
	"net/netip"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// review52SReaches reports whether egress rule r admits TCP to addr:port
// through an ipBlock (the API server is not a pod: only an ipBlock admits it).
func review52SReaches(t *testing.T, r networkingv1.NetworkPolicyEgressRule, addr netip.Addr, port int32) bool {
	t.Helper()
	portOK := len(r.Ports) == 0
	for _, p := range r.Ports {
		if p.Port != nil && p.Port.Type == intstr.Int && p.Port.IntVal == port {
			portOK = true
		}
	}
	if !portOK {
		return false
	}
	for _, peer := range r.To {
		if peer.IPBlock == nil {
			continue
		}
		pfx, err := netip.ParsePrefix(peer.IPBlock.CIDR)
		if err != nil {
			t.Fatalf("ipBlock cidr %q: %v", peer.IPBlock.CIDR, err)
		}
		if !pfx.Contains(addr) {
			continue
		}
		excluded := false
		for _, e := range peer.IPBlock.Except {
			if ep, err := netip.ParsePrefix(e); err == nil && ep.Contains(addr) {
				excluded = true
			}
		}
		if !excluded {
			return true
		}
	}
	return false
}

// TestReview52SNetworkPolicyAdmitsAnIPv6APIServer: the base's NetworkPolicy
// (the chart's default render) lets the controller reach the API server
// through networkPolicy.apiServer.cidrs, whose default is 0.0.0.0/0 alone,
// "the API server is not a pod: allow its addresses" (values.yaml). An
// IPv4 CIDR never matches an IPv6 address, so on an IPv6 single-stack
// cluster (kind's ipFamily: ipv6; EKS and GKE IPv6 clusters) every call to
// the API server (kubernetes.default's IPv6 ClusterIP, DNAT'ed to the API
// server's IPv6 address on 6443 or 443) is dropped: the Deployment informer
// never syncs, the Lease is never acquired, no replica ever leads and
// nothing is scaled, while the pods run. The chart keeps IPv6 in mind
// elsewhere (the gateway PodMonitor keeps IPv6 brackets); the "anywhere"
// default should be anywhere in both families (0.0.0.0/0 and ::/0).
func TestReview52SNetworkPolicyAdmitsAnIPv6APIServer(t *testing.T) {
	s := load(t)
	if len(s.policies) != 1 {
		t.Fatalf("%d NetworkPolicies; want the controller's one", len(s.policies))
	}
	np := s.policies[0]
	v4 := netip.MustParseAddr("172.18.0.2") // kind's IPv4 control-plane node
	v6 := netip.MustParseAddr("fc00:f853:ccd:e793::2")
	for _, port := range []int32{443, 6443} {
		var reach4, reach6 bool
		for _, r := range np.Spec.Egress {
			reach4 = reach4 || review52SReaches(t, r, v4, port)
			reach6 = reach6 || review52SReaches(t, r, v6, port)
		}
		if !reach4 {
			t.Fatalf("the policy does not admit the IPv4 API server %s:%d at all; the test's premise is wrong", v4, port)
		}
		if !reach6 {
			t.Errorf("egress to an IPv6 API server at [%s]:%d is dropped (only %v admit it): on an IPv6 cluster the controller never lists a Deployment nor takes its Lease; want ::/0 beside 0.0.0.0/0 by default",
				v6, port, review52SCIDRs(np))
		}
	}
}

func review52SCIDRs(np *networkingv1.NetworkPolicy) []string {
	var out []string
	for _, r := range np.Spec.Egress {
		for _, p := range r.To {
			if p.IPBlock != nil {
				out = append(out, p.IPBlock.CIDR)
			}
		}
	}
	return out
}
