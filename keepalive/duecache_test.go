package keepalive

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestDueAnswersEachRefsOwnPlan: Due's positional cache (duecache.go)
// answers the i-th ref from the history it resolved to last time only when
// it is the same ref: asked in another order, or about fewer, Due finds the
// same functions due.
func TestDueAnswersEachRefsOwnPlan(t *testing.T) {
	start := time.Now()
	a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
	b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
	cfg := Default()
	cfg.PreWarmShare = 1
	pol, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 20; i >= 0; i-- { // hourly timers; b runs 20 minutes after a
		pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
		pol.Observe(b, start.Add(-time.Duration(i)*time.Hour+20*time.Minute))
	}
	now := start.Add(time.Hour - 15*time.Second) // a's window, not b's
	for _, asked := range [][]provider.Ref{{a, b}, {b, a}, {b}, {a}, {b, a}} {
		var got []provider.Ref
		for _, pw := range pol.Due(now, asked, 0, 15*time.Minute) {
			got = append(got, pw.Ref)
		}
		want := 0
		for _, r := range asked {
			if r == a {
				want = 1
			}
		}
		if len(got) != want || (want == 1 && got[0] != a) {
			t.Errorf("Due of %v: %v, want a alone when asked about it", asked, got)
		}
	}
}
