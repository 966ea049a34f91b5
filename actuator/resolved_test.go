package actuator

import (
	"maps"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// The intents series resolved once (metrics.intentsBy) are the series
// WithLabelValues names: every Component and Code counts in its own, and
// a component outside Components still counts (in a series of its own).
func TestIntentSeriesResolvedAreTheLabelled(t *testing.T) {
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	who := append(append([]Component(nil), Components...), "other")
	for _, c := range who {
		for _, code := range Codes {
			m.intent(Outcome{Intent: Intent{Who: c}, Code: code})
		}
	}
	m.intent(Outcome{Intent: Intent{Who: Scaler}, Code: CodeError, stopped: true}) // counts as stopped
	for _, c := range who {
		for _, code := range Codes {
			want := 1.0
			if c == Scaler && code == CodeStopped {
				want = 2
			}
			if got := testutil.ToFloat64(m.intents.WithLabelValues(string(c), string(code))); got != want {
				t.Errorf("intents{component=%s, code=%s} = %v, want %v", c, code, got, want)
			}
		}
	}
	if n := testutil.CollectAndCount(m.intents); n != len(who)*len(Codes) {
		t.Errorf("%d intents series, want %d", n, len(who)*len(Codes))
	}
}

// Two functions can share a function_name (Name "a.ns" in no namespace,
// Name "a" in "ns"): forgetting one deletes the other's scale call series
// too, and the other's next call is counted in a new series. A guard for
// any cache of resolved series (one was tried: each slot keeping its
// function's, 88 bytes a slot at 100,000 functions, not kept).
func TestScaleCallSeriesResolvedAgainAfterAnyForget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		apply := func(in Intent) {
			t.Helper()
			time.Sleep(time.Second)
			in.Observed = time.Now()
			if o := r.a.Apply(t.Context(), in); o.Code != CodeApplied {
				t.Fatalf("%s: %s (%s), want applied", in, o.Code, o.Reason)
			}
		}
		apply(intent(Scaler, refA, 1, 2))
		apply(intent(Scaler, refA, 2, 3))
		if got, want := scaleCalls(t, r.reg), map[string]float64{"a.ns ok": 2}; !maps.Equal(got, want) {
			t.Fatalf("scale calls %v, want %v", got, want)
		}
		r.a.Forget(provider.Ref{Name: "a.ns"}) // deletes "a.ns": refA's series
		if got := scaleCalls(t, r.reg); len(got) != 0 {
			t.Fatalf("after Forget of the other a.ns: scale calls %v, want none", got)
		}
		apply(intent(Scaler, refA, 3, 4))
		if got, want := scaleCalls(t, r.reg), map[string]float64{"a.ns ok": 1}; !maps.Equal(got, want) {
			t.Errorf("after the other a.ns was forgotten: scale calls %v, want %v (a new series)", got, want)
		}
		apply(intent(Idler, refA, 4, 0))
		if got, want := scaleCalls(t, r.reg), map[string]float64{"a.ns ok": 2}; !maps.Equal(got, want) {
			t.Errorf("scale calls %v, want %v", got, want)
		}
	})
}
