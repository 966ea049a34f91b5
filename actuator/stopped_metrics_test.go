package actuator

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A call in flight when the pool's context ends (a leadership hand-over,
// a shutdown) is this replica stopping, not the function's call failing:
// its intent counts under code "stopped" in intents_total, as an intent
// the stopping pool never ran does, not under "error", which operators
// alert on. The scale call itself was sent and its fate is unknown: it
// stays an "error" in scale_calls_total (the alert there is a ratio with
// a floor, which one call does not reach).
//
// Seen failing before the fix: intents_total{component="scaler",code="error"} = 1, want 0.
func TestCancelledCallCountsAsStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 }, map[provider.Ref]uint64{refA: 1})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := r.a.Start(ctx)
		synctest.Wait()
		release := r.p.Block(refA)
		defer release()
		ch := r.submit(intent(Scaler, refA, 1, 3))
		synctest.Wait()
		cancel() // the term ends with the write held
		if o := outcome(t, ch); !o.Stopped() {
			t.Fatalf("held call cancelled with the pool: %s (%s), not stopped", o.Code, o.Reason)
		}
		<-stopped
		release()
		for code, want := range map[Code]float64{CodeError: 0, CodeStopped: 1} {
			if got := testutil.ToFloat64(r.a.m.intents.WithLabelValues(string(Scaler), string(code))); got != want {
				t.Errorf("intents_total{component=%q,code=%q} = %v, want %v", Scaler, code, got, want)
			}
		}
		if got := testutil.ToFloat64(r.a.m.scaleCalls.WithLabelValues(refA.String(), "error")); got != 1 {
			t.Errorf(`scale_calls_total{result="error"} = %v, want 1 (a write sent, its fate unknown)`, got)
		}
	})
}
