package idler

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// The provider (OpenFaaS CE) refuses zero once. idler.refused_backoff is
// 10m, actuator.refused_backoff its default 1h. When the idler proposes
// again after its own back-off, the actuator drops the intent without a
// provider call (it holds the refused count for 1h: Outcome CodeRefused with
// no Err). The idler takes every such drop for a new provider refusal:
// refused_total ("Scale-to-zero calls the provider refused") grew by one
// per idler back-off although the provider was called once, and each
// cycle's verdict named a retry 10m on that the actuator would not make.
// Found by a review helper.
func TestActuatorDropIsNotAProviderRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		e := newEnvOn(t, memory.Options{RefuseZero: true}, Config{RefusedBackoff: 10 * time.Minute},
			function("a", 1, start.Add(-time.Hour), optIn()))
		ac := actuator.Default() // refused_backoff 1h
		ac.Provider = e.p
		a, err := actuator.New(ac)
		if err != nil {
			t.Fatal(err)
		}
		e.d.cfg.Actuator = a
		heldUntil := start.Add(ac.RefusedBackoff)
		for now := start; now.Before(heldUntil.Add(-time.Minute)); now = time.Now() {
			rep := e.d.RunOnce(t.Context(), now)
			// The retry the explain output names is the actuator's: the
			// provider is not asked before it.
			for _, v := range rep.Verdicts {
				if v.Code == CodeRefused && v.WouldIdleAt.Before(heldUntil) {
					t.Fatalf("at %s: refused, 'retry after %s', before the actuator asks again (%s)",
						now.Sub(start), v.WouldIdleAt.Sub(start), ac.RefusedBackoff)
				}
			}
			time.Sleep(30 * time.Second)
		}
		if got := len(e.p.calls()); got != 1 {
			t.Fatalf("provider calls = %d, want 1 (the actuator holds the refused zero for %s)", got, ac.RefusedBackoff)
		}
		if got := testutil.ToFloat64(e.d.m.refused); got != 1 {
			t.Errorf("refused_total = %v after one provider refusal (one provider call), want 1", got)
		}
	})
}

// TestDroppedIntentsCountNoCall: an outcome the actuator returns without a
// provider call (a refusal of zero it holds from before, a back-off) is no
// refused or failed call of the idler's metrics; a refused restore is no
// failed call either (scale_errors_total is "for reasons other than a
// refusal").
func TestDroppedIntentsCountNoCall(t *testing.T) {
	e := newEnvOn(t, memory.Options{}, Config{}, function("a", 1, time.Now().Add(-time.Hour), optIn()))
	now := time.Now()
	fn := function("a", 1, now.Add(-time.Hour), optIn())
	for _, tc := range []struct {
		name       string
		o          actuator.Outcome
		restore    bool
		refused    float64
		scaleError float64
	}{
		{"refusal dropped", actuator.Outcome{Code: actuator.CodeRefused, At: now, RefusedUntil: now.Add(time.Hour)}, false, 0, 0},
		{"back-off dropped", actuator.Outcome{Code: actuator.CodeBackoff, At: now}, false, 0, 0},
		{"restore refused", actuator.Outcome{Code: actuator.CodeRefused, At: now, Err: errors.New("refused")}, true, 0, 0},
		{"restore dropped", actuator.Outcome{Code: actuator.CodeBackoff, At: now}, true, 0, 0},
		{"refusal", actuator.Outcome{Code: actuator.CodeRefused, At: now, Err: errors.New("refused")}, false, 1, 0},
		{"error", actuator.Outcome{Code: actuator.CodeError, At: now, Err: errors.New("boom")}, false, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := newMetrics(nil)
			if err != nil {
				t.Fatal(err)
			}
			e.d.m = m
			w := &work{fn: &fn, st: &fnState{}}
			if tc.restore {
				e.d.restored(w, 1, "test", tc.o)
			} else {
				e.d.idled(w, tc.o)
			}
			if got := testutil.ToFloat64(e.d.m.refused); got != tc.refused {
				t.Errorf("refused_total = %v, want %v", got, tc.refused)
			}
			if got := testutil.ToFloat64(e.d.m.scaleErrors); got != tc.scaleError {
				t.Errorf("scale_errors_total = %v, want %v", got, tc.scaleError)
			}
		})
	}
}
