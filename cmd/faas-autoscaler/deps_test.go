package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryLinksOnlyWhatItUses guards the binary's dependency choices
// (DESIGN.md: dependencies chosen on purpose). client-go's clientset, its
// generated informers and tools/leaderelection each link every built-in API
// group: 354 more packages, 13 MB of stripped binary and ~12 MiB of resident
// pages in every process, to use three resources (internal/kubeapi says
// more).
// Alertmanager's notify packages drag in hundreds more for a JSON struct.
func TestBinaryLinksOnlyWhatItUses(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, banned := range []string{
		"k8s.io/client-go/kubernetes",
		"k8s.io/client-go/kubernetes/scheme",
		"k8s.io/client-go/informers",
		"k8s.io/client-go/tools/leaderelection",
		"github.com/prometheus/alertmanager/notify",
		"github.com/prometheus/alertmanager/notify/webhook",
	} {
		if slices.Contains(deps, banned) {
			t.Errorf("the binary links %s", banned)
		}
	}
	var groups []string
	for _, d := range deps {
		if g, ok := strings.CutPrefix(d, "k8s.io/api/"); ok {
			groups = append(groups, g)
		}
	}
	slices.Sort(groups)
	want := []string{"apps/v1", "autoscaling/v1", "coordination/v1", "core/v1"}
	if !slices.Equal(groups, want) {
		t.Errorf("the binary links the API types of %v; want only %v (Deployments, their scale, Leases, and core/v1 which apps/v1 embeds)", groups, want)
	}
}
