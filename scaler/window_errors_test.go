package scaler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// windowsSource answers a type's windows in one call
// (metricsource.AlignedLoads), as the embedded source does, from a
// scalertest.Source: the window fail names fails, the one partial names
// says its answer may be partial.
type windowsSource struct {
	*scalertest.Source
	fail, partial time.Duration
	calls         int
}

func (s *windowsSource) LoadsAligned(ctx context.Context, typ string, fns []provider.Function, ws []metricsource.WindowReadings) {
	s.calls++
	for k := range ws {
		q := metricsource.LoadQuery{Type: typ, Window: ws[k].Window}
		switch ws[k].Window {
		case s.fail:
			ws[k].Err = errors.New("window not answered")
		default:
			ws[k].R, ws[k].Err = metricsource.LoadAligned(ctx, s.Source, q, fns, true, ws[k].R)
			if ws[k].Err == nil && ws[k].Window == s.partial {
				ws[k].Err = &metricsource.PartialError{Why: "a store down"}
			}
		}
	}
}

// TestOneWindowOfTheCallFails: a pass asks for a type's stable and burst
// windows in one call, and each window's answer stays its own, as when
// each was a query: the failing one's reading is missing (the stable one's
// says the load failed) and counts one load error, the other is read; a
// partial one makes the readings lower bounds. Seen failing with the
// first window's error taken for both.
func TestOneWindowOfTheCallFails(t *testing.T) {
	stable, burst := time.Minute, 10*time.Second
	for _, tc := range []struct {
		name                  string
		fail, partial         time.Duration
		stableHas, burstHas   bool
		loadFailed, lowerWord bool
	}{
		{name: "burst fails", fail: burst, stableHas: true},
		{name: "stable fails", fail: stable, burstHas: true, loadFailed: true},
		{name: "stable partial", partial: stable, stableHas: true, burstHas: true, lowerWord: true},
		{name: "burst partial", partial: burst, stableHas: true, burstHas: true, lowerWord: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src *windowsSource
			e := newLoopEnv(t, func(c *LoopConfig) {
				src = &windowsSource{Source: c.Source.(*scalertest.Source), fail: tc.fail, partial: tc.partial}
				c.Source = src
				c.StableWindow, c.BurstWindow = stable, burst
			}, function(refA, 6, nil))
			src.Set("rps", refA, 270)
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			f, ok := e.loop.Explain(refA)
			if !ok {
				t.Fatal("a is not explained")
			}
			o := f.Observation.(Observation)
			if (o.StableLoad != nil) != tc.stableHas || (o.BurstLoad != nil) != tc.burstHas || o.LoadFailed != tc.loadFailed ||
				strings.Contains(o.LowerBound, "may be partial (a store down)") != tc.lowerWord {
				t.Errorf("stable %v, burst %v, load failed %v, lower bound %q; want stable %v, burst %v, load failed %v, partial words %v",
					deref(o.StableLoad), deref(o.BurstLoad), o.LoadFailed, o.LowerBound, tc.stableHas, tc.burstHas, tc.loadFailed, tc.lowerWord)
			}
			want := 0.0
			if tc.fail != 0 {
				want = 1
			}
			if v, _ := e.metric(t, MetricReconcileErrors, map[string]string{"stage": "load"}); v != want || src.calls != 1 {
				t.Errorf("%g load errors in %d calls; want %g in one", v, src.calls, want)
			}
		})
	}
}
