package embedded

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestStartedCountsAreActivitysStarted: at every half second of a history
// with a function that has the started counter, one with the invocation
// counter only, one whose series vanish and one that appears late,
// StartedCounts lists exactly Activity's Started entries over short and
// long windows, in one reused array, and fails when Activity fails.
func TestStartedCountsAreActivitysStarted(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	a, b, c, d := gw{}, gw{started: -1}, gw{}, gw{}
	ctx := context.Background()
	var buf []metricsource.Count
	checked := 0
	for s := 0; s <= 40; s++ {
		switch s {
		case 2:
			a.call(20, 0.2)
			b.call(3, 1)
		case 5:
			c.call(4, 0.5)
		case 9:
			a.call(1, 0.2)
			b.call(2, 1)
		}
		smp := append(a.samplesOf("a"), b.samplesOf("b")...)
		if s < 20 { // then c's series vanish
			smp = append(smp, c.samplesOf("c")...)
		}
		if s >= 25 { // and d's appear, already counting
			d.call(5, 0.1)
			smp = append(smp, d.samplesOf("d")...)
		}
		now := t0.Add(time.Duration(s) * time.Second)
		src.Observe(now, smp)
		clk.t = now.Add(500 * time.Millisecond)
		for _, w := range []time.Duration{2 * time.Second, 10 * time.Second} {
			act, wantErr := src.Activity(ctx, w)
			got, err := src.StartedCounts(ctx, w, buf)
			buf = got
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("second %d over %s: error %v; Activity's %v", s, w, err, wantErr)
			}
			if err != nil {
				continue
			}
			m := map[provider.Ref]float64{}
			for _, c := range got {
				if _, dup := m[c.Ref]; dup {
					t.Fatalf("second %d over %s: %s listed twice", s, w, c.Ref.Name)
				}
				m[c.Ref] = c.N
			}
			if !maps.Equal(m, map[provider.Ref]float64(act.Started)) {
				t.Errorf("second %d over %s: %v; Activity's Started %v", s, w, m, act.Started)
			}
			checked += len(m)
		}
	}
	if checked == 0 {
		t.Fatal("no counts compared")
	}
}
