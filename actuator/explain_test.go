package actuator

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// Explain names who made the count what it is and what became of recent
// intents, newest first; History keeps HistorySize outcomes, oldest first,
// without the unchanged ones.
func TestExplainAndHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{RefuseZero: true}, func(c *Config) { c.HistorySize = 3 },
			map[provider.Ref]uint64{refA: 1})
		if _, ok := r.a.Explain(refA); ok {
			t.Error("Explain of a function the actuator never saw")
		}
		start := time.Now()
		r.a.Apply(t.Context(), intent(Scaler, refA, 1, 3))
		r.a.Apply(t.Context(), intent(Scaler, refA, 3, 3)) // unchanged: not kept
		time.Sleep(time.Second)
		r.a.Apply(t.Context(), intent(Idler, refA, 3, 0)) // refused
		time.Sleep(time.Second)
		r.p.FailScale(refA, 1, errors.New("gateway: 502"))
		r.a.Apply(t.Context(), intent(PreWarm, refA, 3, 4)) // error: back-off 1s

		e, ok := r.a.Explain(refA)
		if !ok {
			t.Fatal("no explanation")
		}
		ex := e.(Explanation)
		if ex.LastWrite == nil || ex.LastWrite.Who != Scaler || ex.LastWrite.From != 1 || ex.LastWrite.To != 3 || !ex.LastWrite.At.Equal(start) {
			t.Errorf("LastWrite = %+v, want the scaler's 1→3 at the start", ex.LastWrite)
		}
		if ex.Failures != 1 || !strings.Contains(ex.LastError, "gateway: 502") ||
			ex.BackoffUntil == nil || !ex.BackoffUntil.Equal(start.Add(3*time.Second)) {
			t.Errorf("failures %d, last error %q, back-off until %v", ex.Failures, ex.LastError, ex.BackoffUntil)
		}
		if ex.RefusedUntil == nil || !ex.RefusedUntil.Equal(start.Add(time.Second+time.Minute)) {
			t.Errorf("RefusedUntil = %v", ex.RefusedUntil)
		}
		var got []Code
		for _, i := range ex.Recent {
			got = append(got, i.Verdict)
		}
		if want := []Code{CodeError, CodeRefused, CodeApplied}; !equalCodes(got, want) {
			t.Fatalf("recent verdicts %v, want %v (newest first)", got, want)
		}
		if i := ex.Recent[2]; i.Who != Scaler || i.From != 1 || i.To != 3 || i.Why != "scaler wants 3" || i.Reason != "1→3" {
			t.Errorf("oldest entry %+v", i)
		}
		time.Sleep(time.Second)
		r.a.Apply(t.Context(), intent(Scaler, refA, 3, 2)) // the fourth kept outcome pushes the first out
		var hist []Code
		for _, o := range r.a.History(refA) {
			hist = append(hist, o.Code)
		}
		if want := []Code{CodeRefused, CodeError, CodeApplied}; !equalCodes(hist, want) {
			t.Errorf("History %v, want %v (oldest first, bounded)", hist, want)
		}
		e, _ = r.a.Explain(refA)
		if ex := e.(Explanation); ex.BackoffUntil != nil || ex.Failures != 0 || ex.LastWrite.To != 2 {
			t.Errorf("after a success: %+v", ex)
		}
		r.a.Forget(refA)
		if _, ok := r.a.Explain(refA); ok {
			t.Error("Explain after Forget")
		}
	})
}

func equalCodes(a, b []Code) bool {
	return strings.Join(codeStrings(a), ",") == strings.Join(codeStrings(b), ",")
}

func codeStrings(cs []Code) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}

// Every verdict is counted by component and code, superseded ones too; all
// series exist from the start so that rate() sees the first increment.
func TestIntentsMetric(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.Namespaces = []string{"ns"} },
			map[provider.Ref]uint64{refA: 1, refB: 1})
		if n, err := testutil.GatherAndCount(r.reg, "faas_autoscaler_actuator_intents_total"); err != nil || n != len(Components)*len(Codes) {
			t.Fatalf("series at start: %d (%v), want %d", n, err, len(Components)*len(Codes))
		}
		r.a.Apply(t.Context(), intent(Scaler, refA, 1, 3))
		r.a.Apply(t.Context(), intent(Scaler, refB, 1, 2))
		r.a.Apply(t.Context(), intent(Idler, refA, 1, 0)) // changed
		r.a.Apply(t.Context(), intent(Idler, provider.Ref{Name: "x", Namespace: "other"}, 1, 0))
		stop := r.run()
		defer stop()
		release := r.p.Block(refA)
		held := r.submit(intent(PreWarm, refA, 3, 4))
		synctest.Wait()
		r.submit(intent(Idler, refA, 4, 0))
		r.submit(intent(Scaler, refA, 4, 5)) // supersedes the idler's
		release()
		outcome(t, held)
		synctest.Wait()
		for _, c := range []struct {
			who  Component
			code Code
			n    float64
		}{
			{Scaler, CodeApplied, 3}, {Idler, CodeChanged, 1}, {Idler, CodeFiltered, 1},
			{PreWarm, CodeApplied, 1}, {Idler, CodeSuperseded, 1}, {Scaler, CodeSuperseded, 0},
		} {
			if got := testutil.ToFloat64(r.a.m.intents.WithLabelValues(string(c.who), string(c.code))); got != c.n {
				t.Errorf("intents_total{component=%q,code=%q} = %v, want %v", c.who, c.code, got, c.n)
			}
		}
		if n, err := testutil.GatherAndCount(r.reg, "faas_autoscaler_actuator_pending_intents", "faas_autoscaler_actuator_inflight_calls"); err != nil || n != 2 {
			t.Errorf("gauges: %d (%v)", n, err)
		}
		if p := testutil.ToFloat64(r.a.m.pending); p != 0 {
			t.Errorf("pending after everything ran: %v", p)
		}
	})
}
