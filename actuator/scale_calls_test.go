package actuator

import (
	"errors"
	"maps"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// scaleCalls reads MetricScaleCalls from reg: the value of each series, by
// "function_name result".
func scaleCalls(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != MetricScaleCalls {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			got[l["function_name"]+" "+l["result"]] = m.GetCounter().GetValue()
		}
	}
	return got
}

// faas_autoscaler_scale_calls_total{function_name, result} counts every
// write the actuator sends to the provider, whoever proposed it: the
// scaler's, the idler's scale to zero and restores, the keep-alive's
// pre-warm. The dashboards' "Scale calls" panels and the health alert
// FaasAutoscalerScaleCallsFailing read it; only the scaler counted it, so
// the idler's zeros and the pre-warms were never seen there. A refusal
// counts once, when the provider answered it, not for each intent dropped
// while the actuator holds it; an intent dropped without a call
// (unchanged, above max) is no call. Forget deletes the function's series,
// once a call in flight for it has been counted.
//
// Seen failing before the fix: scale_calls_test.go: scale calls (every
// component's write, by function and result) = map[], want map[a.ns ok:2
// b.ns ok:1 c.ns ok:1 d.ns error:1 e.ns refused:1 f.ns gone:1]
func TestScaleCallsCountEveryComponentsWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refC := provider.Ref{Name: "c", Namespace: "ns"}
		refD := provider.Ref{Name: "d", Namespace: "ns"}
		refE := provider.Ref{Name: "e", Namespace: "ns"}
		refF := provider.Ref{Name: "f", Namespace: "ns"} // never deployed: gone
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1, refB: 0, refC: 0, refD: 1, refE: 1})
		r.p.FailScale(refD, 1, errors.New("gateway down"))
		r.p.FailScale(refE, 1, &provider.RefusedError{Ref: refE, Replicas: 0, Status: 400, Message: "no zero here"})

		steps := []struct {
			in   Intent
			code Code
		}{
			{intent(Scaler, refA, 1, 3), CodeApplied},
			{intent(Idler, refA, 3, 0), CodeApplied}, // the idler's scale to zero
			{intent(Restore, refB, 0, 1), CodeApplied},
			{intent(PreWarm, refC, 0, 2), CodeApplied},
			{intent(Scaler, refD, 1, 2), CodeError},
			{intent(Idler, refE, 1, 0), CodeRefused}, // the provider's refusal: one call
			{intent(Idler, refE, 1, 0), CodeRefused}, // held: dropped, no call
			{intent(Idler, refE, 1, 0), CodeRefused},
			{intent(Scaler, refF, 1, 2), CodeGone},
			{intent(Scaler, refC, 2, 2), CodeUnchanged},                                                  // no call
			{Intent{Ref: refC, From: 2, To: 9, Max: 5, Who: Scaler, Observed: time.Now()}, CodeAboveMax}, // no call
		}
		for i, s := range steps {
			time.Sleep(time.Second)
			s.in.Observed = time.Now()
			if o := r.a.Apply(t.Context(), s.in); o.Code != s.code {
				t.Fatalf("step %d, %s: %s (%s), want %s", i, s.in, o.Code, o.Reason, s.code)
			}
		}
		want := map[string]float64{"a.ns ok": 2, "b.ns ok": 1, "c.ns ok": 1, "d.ns error": 1, "e.ns refused": 1, "f.ns gone": 1}
		if got := scaleCalls(t, r.reg); !maps.Equal(got, want) {
			t.Fatalf("scale calls (every component's write, by function and result) = %v, want %v", got, want)
		}
		if n := len(r.p.Calls()); n != 7 {
			t.Errorf("provider calls %d, want 7 (the calls counted)", n)
		}

		// Forget deletes the function's series, and only its.
		r.a.Forget(refA)
		r.a.Forget(refF)
		delete(want, "a.ns ok")
		delete(want, "f.ns gone")
		if got := scaleCalls(t, r.reg); !maps.Equal(got, want) {
			t.Errorf("after Forget of a and f: scale calls %v, want %v", got, want)
		}

		// Forgotten during a call: the call is counted, then its series
		// goes with the slot (it did not outlive the function).
		stop := r.run()
		defer stop()
		release := r.p.Block(refB)
		ch := r.submit(intent(Scaler, refB, 1, 2))
		synctest.Wait() // the write is held in the provider
		r.a.Forget(refB)
		release()
		if o := outcome(t, ch); o.Code != CodeApplied {
			t.Fatalf("b 1→2 held during Forget: %s (%s), want applied", o.Code, o.Reason)
		}
		delete(want, "b.ns ok")
		if got := scaleCalls(t, r.reg); !maps.Equal(got, want) {
			t.Errorf("after Forget of b during its call: scale calls %v, want %v", got, want)
		}
	})
}

// --dry-run writes nothing, and each write it stands in for counts as
// result="dry_run", for every component, as the scaler's did.
func TestScaleCallsCountDryRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.DryRun = true }, map[provider.Ref]uint64{refA: 1, refB: 1})
		for _, in := range []Intent{intent(Idler, refA, 1, 0), intent(Scaler, refB, 1, 4), intent(PreWarm, refB, 1, 2)} {
			time.Sleep(time.Second)
			if o := r.a.Apply(t.Context(), in); o.Code != CodeDryRun {
				t.Fatalf("%s: %s (%s), want dry_run", in, o.Code, o.Reason)
			}
		}
		want := map[string]float64{"a.ns dry_run": 1, "b.ns dry_run": 2}
		if got := scaleCalls(t, r.reg); !maps.Equal(got, want) {
			t.Errorf("scale calls under --dry-run = %v, want %v", got, want)
		}
		if n := len(r.p.Calls()); n != 0 {
			t.Errorf("provider calls %d under --dry-run, want 0", n)
		}
	})
}
