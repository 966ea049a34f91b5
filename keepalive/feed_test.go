package keepalive

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// stepSource answers each Activity with the next prepared step.
type stepSource struct {
	steps []metricsource.Values
	err   error
	asked []time.Duration
}

func (s *stepSource) Activity(_ context.Context, w time.Duration) (metricsource.Activity, error) {
	s.asked = append(s.asked, w)
	if s.err != nil {
		return metricsource.Activity{}, s.err
	}
	if len(s.steps) == 0 {
		return metricsource.Activity{Window: w, Covered: true, Started: metricsource.Values{}}, nil
	}
	v := s.steps[0]
	s.steps = s.steps[1:]
	return metricsource.Activity{Window: w, Covered: true, Started: v}, nil
}

func TestFeederLearnsIdleTimesFromActivity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "cron", Namespace: "fn"}
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		// One invocation every 5 minutes: minutes 1, 6, 11, … carry a count.
		src := &stepSource{}
		for i := range 60 {
			v := metricsource.Values{}
			if i%5 == 0 {
				v[ref] = 1.02 // increase() extrapolates a little
			}
			src.steps = append(src.steps, v)
		}
		f := &Feeder{Policy: p, Source: src, Step: time.Minute}
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Minute+time.Second)
		defer cancel()
		_ = f.Run(ctx)
		if len(src.asked) != 60 || src.asked[0] != time.Minute {
			t.Fatalf("asked %d times with windows %v, want 60 one-minute reads", len(src.asked), src.asked[:1])
		}
		p.mu.Lock()
		var its []time.Duration
		for _, v := range p.get(ref).idleSeconds() {
			its = append(its, time.Duration(float64(v)*float64(time.Second)))
		}
		p.mu.Unlock()
		if len(its) != 11 {
			t.Fatalf("learned %d idle times from 12 invocations, want 11", len(its))
		}
		for _, it := range its {
			if it != 5*time.Minute {
				t.Errorf("idle time %v, want 5m", it)
			}
		}
	})
}

func TestFeederSkipsUnknownActivity(t *testing.T) {
	p, _ := New(Default())
	src := &stepSource{err: errors.New("prometheus down")}
	f := &Feeder{Policy: p, Source: src}
	if n := f.RunOnce(t.Context(), time.Now()); n != 0 {
		t.Errorf("functions fed on an error = %d, want 0", n)
	}
	if len(p.fns) != 0 {
		t.Errorf("the policy learned from missing data: %v", p.fns)
	}
}

// TestFeederKeepsOnlyASmallCountsArray: the feeder reuses its counts array
// from step to step for a small fleet and lets a large fleet's go, so that
// it does not sit in the live heap between steps.
func TestFeederKeepsOnlyASmallCountsArray(t *testing.T) {
	for _, n := range []int{10, keptCounts + 1} {
		started := metricsource.Values{}
		for i := range n {
			started[provider.Ref{Name: "f" + strconv.Itoa(i), Namespace: "fn"}] = 1
		}
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		f := &Feeder{Policy: p, Source: &stepSource{steps: []metricsource.Values{started}}}
		if got := f.RunOnce(t.Context(), time.Now()); got != n {
			t.Fatalf("%d functions: fed %d", n, got)
		}
		if kept := f.counts != nil; kept != (n <= keptCounts) {
			t.Errorf("%d functions: counts array kept %v", n, kept)
		}
	}
}
