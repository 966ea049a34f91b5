package keepalive

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// timelineSource answers Activity as a metrics source queried at its own
// "now" does (the Prometheus source runs instant queries at the server's
// time): the calls started in the window ending when the query is
// evaluated. slow[i] delays the answer of the i-th read (0-based) after it
// was evaluated, as a slow Prometheus does.
type timelineSource struct {
	mu    sync.Mutex
	ref   provider.Ref
	calls []time.Time
	slow  map[int]time.Duration
	reads int
}

func (s *timelineSource) Activity(_ context.Context, w time.Duration) (metricsource.Activity, error) {
	s.mu.Lock()
	end := time.Now()
	n := 0
	for _, c := range s.calls {
		if c.After(end.Add(-w)) && !c.After(end) {
			n++
		}
	}
	d := s.slow[s.reads]
	s.reads++
	s.mu.Unlock()
	time.Sleep(d)
	v := metricsource.Values{}
	if n > 0 {
		v[s.ref] = float64(n)
	}
	return metricsource.Activity{Window: w, Covered: true, Started: v}, nil
}

// TestFeederLosesCallsWhenAReadIsSlow: live learning at a 15 s step;
// one activity read takes 20 s to answer (a loaded Prometheus, well inside
// the 30 s call timeout). The Feeder's ticker then drops a tick and the next
// read, made late, covers only the last 15 s before it: the calls between
// the slow read's window and the late read's window are never read, and
// nothing marks the span unknown. A function called at 0:05, 2:17 and 4:05
// then has its 2:17 call lost and learns one 4-minute idle time instead of
// two of about 2 minutes (an idle time merged by a missed read: missing read
// as zero).
func TestFeederLosesCallsWhenAReadIsSlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		src := &timelineSource{ref: ref, calls: []time.Time{
			t0.Add(5 * time.Second), t0.Add(2*time.Minute + 17*time.Second), t0.Add(4*time.Minute + 5*time.Second),
		}, slow: map[int]time.Duration{8: 20 * time.Second}} // the read at 2:15 (the 9th)
		f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute+time.Second)
		defer cancel()
		_ = f.Run(ctx)

		its := idleTimes(p, ref)
		for _, it := range its {
			if it > 3*time.Minute {
				t.Errorf("learned an idle time of %s from calls at most 2m12s apart: a call was never read (idle times %v)", it, its)
			}
		}
	})
}
