package chart

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// TestReview52SPlainZeroDurationsTheControllerAcceptsAreNotRefused: the
// controller's decoder reads a plain, unquoted 0 as the duration 0
// (config/decode.go: "A plain 0 is the Go duration "0" (the docs' "off"
// for several keys …)"), and docs/configuration.md says so: "A plain
// number is refused … but for `0`, which is the duration 0 written with or
// without quotes (the "off" of the keys that have one)". values.yaml says
// the chart refuses only what the controller would refuse. Yet the
// schema types every duration key as a string, so the documented "off"
// written as the docs allow — `liveness.max_inactivity: 0` in a values
// file, or `--set config.keep_alive.rebuild_lookback=0` (helm's --set
// reads 0 as a number) — is refused by helm ("got number, want string")
// though the controller accepts the very same file.
//
// Expected: for each key whose rule admits 0, a plain 0 renders and the
// ConfigMap's config.yaml gives the controller the duration 0.
func TestReview52SPlainZeroDurationsTheControllerAcceptsAreNotRefused(t *testing.T) {
	for _, key := range []string{
		"liveness.max_inactivity",     // 0 = off
		"keep_alive.rebuild_lookback", // 0 = none
		"defaults.down_window",        // CE's down window 0
		"defaults.step_dedup",
		"scaler.align_lag", // 0s: passes on the scaler's own ticker
	} {
		t.Run(key, func(t *testing.T) {
			section, name, _ := strings.Cut(key, ".")
			file := fmt.Sprintf("%s:\n  %s: 0\n", section, name)
			// The premise: the controller accepts the file as written.
			if _, err := config.Parse("config.yaml", []byte(file)); err != nil {
				t.Fatalf("premise: the controller refuses %q: %v", file, err)
			}
			values := writeValues(t, fmt.Sprintf("config:\n  %s:\n    %s: 0\n", section, name))
			for _, via := range []struct {
				how   string
				flags []string
				sets  []string
			}{
				{"values file", []string{"--values", values}, nil},
				{"--set", nil, []string{"config." + key + "=0"}},
			} {
				docs, stderr, ok := renderOrRefusal(t, via.flags, via.sets...)
				if !ok {
					t.Errorf("%s: config.%s: 0, which the controller reads as the duration 0 (docs/configuration.md), is refused by the chart:\n%s",
						via.how, key, strings.TrimSpace(stderr))
					continue
				}
				cfg := controllerConfig(t, docs)
				got := map[string]time.Duration{
					"liveness.max_inactivity":     cfg.Liveness.MaxInactivity,
					"keep_alive.rebuild_lookback": cfg.KeepAlive.RebuildLookback,
					"defaults.down_window":        cfg.Defaults.DownWindow,
					"defaults.step_dedup":         cfg.Defaults.StepDedup,
					"scaler.align_lag":            cfg.Scaler.AlignLag,
				}[key]
				if got != 0 {
					t.Errorf("%s: config.%s: 0 reaches the controller as %s", via.how, key, got)
				}
			}
		})
	}
}

// TestReview52SNetworkPolicyAdmitsAnIPv6APIServer: with provider kubernetes
// (the default) the controller lists Deployments and holds a Lease on the
// API server, which the NetworkPolicy admits only through
// networkPolicy.apiServer.cidrs, default [0.0.0.0/0] ("the API server is
// not a pod: allow its addresses"). An IPv4 CIDR matches no IPv6 address:
// on an IPv6 single-stack cluster every call to the API server (the
// kubernetes Service's IPv6 ClusterIP, DNAT'ed to the API server's IPv6
// address on 443 or 6443) is dropped, the informer never syncs and no
// replica ever takes the Lease, so nothing scales while the pods run. The
// chart handles IPv6 elsewhere (the gateway PodMonitor keeps IPv6
// brackets). Expected: the default "anywhere" covers both families
// (0.0.0.0/0 and ::/0).
func TestReview52SNetworkPolicyAdmitsAnIPv6APIServer(t *testing.T) {
	docs := decode(t, mustTemplate(t, nil))
	nps := objects[*networkingv1.NetworkPolicy](docs)
	if len(nps) != 1 {
		t.Fatalf("%d NetworkPolicies; want the default one", len(nps))
	}
	v4 := netip.MustParseAddr("172.18.0.2")
	v6 := netip.MustParseAddr("fc00:f853:ccd:e793::2")
	for _, port := range []int32{443, 6443} {
		var reach4, reach6 bool
		for _, r := range nps[0].Spec.Egress {
			reach4 = reach4 || review52SEgressAdmits(t, r, v4, port)
			reach6 = reach6 || review52SEgressAdmits(t, r, v6, port)
		}
		if !reach4 {
			t.Fatalf("premise: the policy does not admit an IPv4 API server at %s:%d", v4, port)
		}
		if !reach6 {
			t.Errorf("egress to an IPv6 API server at [%s]:%d is dropped by the default NetworkPolicy: on an IPv6 cluster the controller never lists a Deployment nor takes its Lease; want ::/0 beside 0.0.0.0/0 in networkPolicy.apiServer.cidrs", v6, port)
		}
	}
}

// review52SEgressAdmits: egress rule r admits TCP to addr:port through an ipBlock.
func review52SEgressAdmits(t *testing.T, r networkingv1.NetworkPolicyEgressRule, addr netip.Addr, port int32) bool {
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
