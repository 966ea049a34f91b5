package kubernetes

import (
	"log/slog"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The provider is an explain API section: it names a function's Deployment
// and says when it is paused.
var _ explain.Section = (*Provider)(nil)

func paused(d *appsv1.Deployment) { d.Spec.Paused = true }

func rolledOut(d *appsv1.Deployment) {
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[revisionAnnotation] = "1"
}

// A Deployment created with spec.paused never gets a ReplicaSet, so no pod
// starts at any count: a wake from zero waits out the gateway's timeout and
// fails. The explain section says so (and how to resume it), and the
// listing warns once; a Deployment paused after it rolled out still scales
// (its ReplicaSet follows the count) and is only said to be paused.
func TestPausedDeploymentIsExplainedAndWarnedOnce(t *testing.T) {
	f := newFakeCluster(
		newDeployment(fnNS, "staged", withReplicas(0, 0), paused),
		newDeployment(fnNS, "held", withReplicas(2, 2), withPods(2), paused, rolledOut),
		newDeployment(fnNS, "echo", withReplicas(1, 1), withPods(1), rolledOut),
	)
	var logs teststack.SyncBuffer
	p := startFake(t, f, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ref := func(name string) provider.Ref { return provider.Ref{Name: name, Namespace: fnNS} }
	waitFunction(t, p, ref("staged"), func(provider.Function) bool { return true })

	if p.Name() != "kubernetes" {
		t.Errorf("section name %q, want kubernetes", p.Name())
	}
	for _, tc := range []struct {
		name    string
		paused  bool
		stalled string // a substring; "" = no stalled note
	}{
		{"staged", true, "kubectl rollout resume deployment/staged -n " + fnNS},
		{"held", true, ""},
		{"echo", false, ""},
	} {
		v, ok := p.Explain(ref(tc.name))
		if !ok {
			t.Fatalf("%s: no explanation", tc.name)
		}
		e := v.(DeploymentExplanation)
		if e.Deployment != tc.name || e.Paused != tc.paused ||
			(tc.stalled == "") != (e.Stalled == "") || !strings.Contains(e.Stalled, tc.stalled) {
			t.Errorf("%s: explanation %+v, want deployment %s, paused %v, stalled note containing %q",
				tc.name, e, tc.name, tc.paused, tc.stalled)
		}
	}
	if _, ok := p.Explain(ref("nope")); ok {
		t.Error("explanation of a function with no Deployment")
	}

	// Still listed and scaled: the count written now is the one its
	// ReplicaSet starts with once resumed.
	for range 3 { // the scaler lists at every pass
		fns, err := p.Functions(t.Context(), fnNS)
		if err != nil || len(fns) != 3 {
			t.Fatalf("Functions = %d functions, %v; want all 3 listed", len(fns), err)
		}
	}
	if err := p.ScaleFrom(t.Context(), ref("staged"), 0, 1); err != nil {
		t.Fatalf("ScaleFrom(0→1) of the paused Deployment: %v", err)
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "function=staged."+fnNS) ||
		!strings.Contains(out, "paused") {
		t.Errorf("log after 3 listings:\n%s\nwant one WARN naming staged as paused", out)
	}
}
