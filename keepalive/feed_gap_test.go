package keepalive

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// scriptSource answers each Activity with the next scripted step: an
// error, or the counts started in the step.
type scriptSource struct {
	steps []scriptStep
}

type scriptStep struct {
	err     error
	started metricsource.Values
}

func (s *scriptSource) Activity(_ context.Context, w time.Duration) (metricsource.Activity, error) {
	st := s.steps[0]
	s.steps = s.steps[1:]
	if st.err != nil {
		return metricsource.Activity{}, st.err
	}
	return metricsource.Activity{Window: w, Covered: true, Started: st.started}, nil
}

// TestFeederLearnsNoIdleTimeAcrossAGap: a function invoked every minute;
// the feeder cannot read activity for 30 minutes (Prometheus down); then the
// minute calls are seen again. Nothing is known about the 30 minutes, so the policy
// must not learn a 30-minute idle time from them (missing is not zero).
// After the gap it learns again: a 10-minute lull is learned.
// Seen failing before the fix (found by a review): feed_gap_test.go:137: learned an idle time of 30m20s across 30 minutes of unknown activity (error): missing read as no invocations
func TestFeederLearnsNoIdleTimeAcrossAGap(t *testing.T) {
	const kind = "error" // an uncovered read is still learned (see Feeder)
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "busy", Namespace: "fn"}
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		var steps []scriptStep
		busy := scriptStep{started: metricsource.Values{ref: 3}}
		quiet := scriptStep{started: metricsource.Values{}}
		for range 15 {
			steps = append(steps, busy)
		}
		for range 30 {
			steps = append(steps, scriptStep{err: errors.New("prometheus down")})
		}
		for range 15 {
			steps = append(steps, busy)
		}
		for range 10 { // a lull, observed
			steps = append(steps, quiet)
		}
		steps = append(steps, busy)
		f := &Feeder{Policy: p, Source: &scriptSource{steps: steps}, Step: time.Minute}
		for range steps {
			time.Sleep(time.Minute)
			f.RunOnce(t.Context(), time.Now())
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		var long []time.Duration
		for _, v := range p.get(ref).idleSeconds() {
			if it := time.Duration(float64(v) * float64(time.Second)); it > 5*time.Minute {
				long = append(long, it.Round(time.Second))
			}
		}
		for _, it := range long {
			if it > 15*time.Minute {
				t.Errorf("learned an idle time of %s across %d minutes of unknown activity (%s): missing read as no invocations", it, 30, kind)
			}
		}
		// The lull: from the middle of the last busy step's last
		// sixth to the first sixth of the next busy one.
		if want := 10*time.Minute + 20*time.Second; len(long) == 0 || long[len(long)-1] != want {
			t.Errorf("idle times over 5m learned %v, want the lull after the gap, %s, last (%s)", long, want, kind)
		}
	})
}
