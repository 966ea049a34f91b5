package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// Scenario 6: two functions in two namespaces, mixed firing and resolved in
// one batch. The generated route groups by function, so it never mixes; an
// AlertManager migrated from OpenFaaS CE groups by [alertname, cluster,
// service], so one POST carries every function's APIHighInvocationRate with
// its own status. The stack loads the generated CE-compatible rule and route
// and regroups the route as CE ships it. Both functions use step mode, as
// CE users do.
func TestMixedBatchAcrossNamespaces(t *testing.T) {
	t.Parallel()
	a := provider.Ref{Name: "s6-a", Namespace: "team-a"}
	b := provider.Ref{Name: "s6-b", Namespace: "team-b"}
	ro := rules.ForScrapeInterval(time.Second)
	ro.CECompatible = true
	am := rules.DefaultAlertmanagerOptions()
	am.GroupWait, am.GroupInterval, am.RepeatInterval = time.Second, time.Second, 30*time.Second
	am.CECompatible = true
	ceGrouping := []string{"alertname", "cluster", "service"}
	regrouped := false
	step := []string{"com.openfaas.scale.type", "step", "com.openfaas.scale.factor", "20", "com.openfaas.scale.max", "10"}
	st := Start(t, Options{
		Binary:       controllerBin,
		Rules:        &ro,
		Alertmanager: &am,
		EditAlertmanager: func(c *rules.AlertmanagerConfig) {
			for i, r := range c.Route.Routes {
				if slices.Contains(r.Matchers, fmt.Sprintf("alertname=%q", rules.AlertCEHighInvocationRate)) {
					c.Route.Routes[i].GroupBy = ceGrouping
					regrouped = true
				}
			}
		},
		Functions: []provider.Function{NewFunction(a, step...), NewFunction(b, step...)},
	})
	if !regrouped {
		t.Fatalf("the generated AlertManager config has no route for %s:\n%s", rules.AlertCEHighInvocationRate, st.AlertmanagerConfig)
	}
	ce := rules.AlertCEHighInvocationRate
	// Above CE's threshold of 5/s for both.
	st.SetRPS(a, 20)
	st.SetRPS(b, 20)
	// Both stepped up, and b's CE alert delivered firing: the step mode's
	// own alert (FunctionStepRateHigh, no `for`) steps both up seconds
	// before CE's rule (`for: 5s` over a 10 s rate) fires, and b's load
	// stopped then never fired CE's alert at all, so it never resolved
	// (a flake CI met).
	Eventually(t, 60*time.Second, "both functions stepped up, b's "+ce+" delivered firing", func() (bool, string) {
		cef := false
		for _, d := range st.Tap.Deliveries() {
			cef = cef || slices.ContainsFunc(d.Alerts, AlertFor(b.String(), "firing", ce))
		}
		return cef && st.Function(t, a).Replicas > 1 && st.Function(t, b).Replicas > 1, st.Describe(a) + "; " + st.Describe(b)
	})
	// b's load stops: its alert resolves while a's keeps firing, and the
	// next flush of the shared group carries both.
	st.SetRPS(b, 0)
	var mixed Delivery
	Eventually(t, 60*time.Second, "one delivery with a firing and b resolved", func() (bool, string) {
		for _, d := range st.Tap.Deliveries() {
			if slices.ContainsFunc(d.Alerts, AlertFor(a.String(), "firing", ce)) &&
				slices.ContainsFunc(d.Alerts, AlertFor(b.String(), "resolved", ce)) {
				mixed = d
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d deliveries so far", len(st.Tap.Deliveries()))
	})
	if mixed.Status != 200 {
		t.Errorf("the mixed batch was answered %d, want 200", mixed.Status)
	}
	// b steps down to its min through the down window; a is never stepped
	// down by b's resolution.
	Eventually(t, 60*time.Second, b.String()+" back at min", func() (bool, string) {
		return st.Function(t, b).Replicas == 1, st.Describe(b)
	})
	for _, c := range st.Calls(a) {
		if c.Err != nil || c.To < c.From {
			t.Errorf("%s: call %d→%d err %v; only step-ups expected while its alert fires", a, c.From, c.To, c.Err)
		}
	}
	for _, c := range st.Calls(b) {
		if c.Err != nil {
			t.Errorf("%s: call %d→%d failed: %v", b, c.From, c.To, c.Err)
		}
		if c.At.After(mixed.At) && c.To > c.From {
			t.Errorf("%s stepped up %d→%d after its alert resolved", b, c.From, c.To)
		}
	}
	if got := st.Function(t, a).Replicas; got < 3 {
		t.Errorf("%s at %d replicas, want at least one step of 2 above 1", a, got)
	}
	// Nothing was scaled in a namespace it does not live in.
	for _, c := range st.Mem.Calls() {
		if c.Ref != a && c.Ref != b {
			t.Errorf("unexpected scale call for %s", c.Ref)
		}
	}
}
