package openfaas

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCECappedCountIsAskedAgainFromBelowTheCap: on OpenFaaS CE a scale to
// 10 lands 5 and is reported refused for 10, held off for the actuator's
// refused back-off (an hour by default) so that a function running 5 is
// not asked for 10 at every pass. Scaled down since (5→2), the same 10 is
// asked again when the load needs it, and lands 5 again; until this fix it
// was dropped as refused and the function stayed at 2 under load for up to
// the hour. Found by a review (helper-117).
func TestCECappedCountIsAskedAgainFromBelowTheCap(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	g := newFakeGateway(faasNetes)
	g.ceGateway = true
	g.info = []byte(gatewayInfoCE)
	g.deploy(fig("openfaas-fn", 3))
	cl := newTestClient(t, g.start(t, "").URL, nil)
	cfg := actuator.Default()
	cfg.Provider = cl
	a, err := actuator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(from, to uint64) actuator.Outcome {
		return a.Apply(t.Context(), actuator.Intent{Ref: ref, From: from, To: to, Who: actuator.Scaler, Observed: time.Now()})
	}
	o := apply(3, 10)
	if o.Code != actuator.CodeRefused || g.replicas(ref) != 5 {
		t.Fatalf("3→10 on CE: %s (%s), provider at %d; want refused with 5 landed", o.Code, o.Reason, g.replicas(ref))
	}
	if o.From != 3 || o.Current != 5 {
		t.Errorf("the capped write's outcome says %d→ now %d, want from 3, now 5", o.From, o.Current)
	}
	if o := apply(5, 10); o.Code != actuator.CodeRefused || o.Err != nil {
		t.Errorf("5→10 at the cap: %s (%v), want dropped as refused without a call", o.Code, o.Err)
	}
	if o := apply(5, 2); o.Code != actuator.CodeApplied || g.replicas(ref) != 2 {
		t.Fatalf("5→2: %s (%s), provider at %d; want applied", o.Code, o.Reason, g.replicas(ref))
	}
	// The load is back: the scaler wants 10 again, from 2.
	o = apply(2, 10)
	if got := g.replicas(ref); got != 5 || o.Code != actuator.CodeRefused || o.Err == nil {
		t.Errorf("2→10 on CE after an earlier capped 10: %s (%s); provider at %d replicas, want 5 landed and 10 refused again",
			o.Code, o.Reason, got)
	}
}
