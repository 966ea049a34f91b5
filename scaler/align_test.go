package scaler

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

func TestAlignTick(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	ms := time.Millisecond
	s := func(last time.Duration, every time.Duration) metricsource.Scrape {
		return metricsource.Scrape{At: at(last), Every: every}
	}
	tests := []struct {
		name        string
		now         time.Duration
		interval    time.Duration
		scrape      metricsource.Scrape
		lag         time.Duration
		want        time.Duration
		wantAligned bool
	}{
		{"unknown scrape: the own interval", 0, 5 * time.Second, metricsource.Scrape{}, 500 * ms, 5 * time.Second, false},
		{"unknown interval", 0, 5 * time.Second, metricsource.Scrape{At: at(0)}, 500 * ms, 5 * time.Second, false},
		{"scrapes rarer than passes: the pass grid moves to a lag after the scrape", 0, 5 * time.Second, s(-time.Second, 15*time.Second), 500 * ms, 4500 * ms, true},
		{"scrapes rarer than passes, already on that grid", 4500 * ms, 5 * time.Second, s(-time.Second, 15*time.Second), 500 * ms, 9500 * ms, true},
		{"same interval, scrape 2.3s ago: next at the scrape after the nominal, nearest", 0, 5 * time.Second, s(-2300*ms, 5*time.Second), 500 * ms, 3200 * ms, true},
		{"same interval, already aligned", 3200 * ms, 5 * time.Second, s(2700*ms, 5*time.Second), 500 * ms, 8200 * ms, true},
		{"a scrape just before the nominal time: a little earlier", 0, 5 * time.Second, s(-200*ms, 5*time.Second), 0, 4800 * ms, true},
		{"pass at the scrape, 1s scrapes: every 5s, each a lag after one", 0, 5 * time.Second, s(-400*ms, time.Second), 500 * ms, 5100 * ms, true},
		{"never less than half an interval after this pass", 0, 5 * time.Second, s(-2500*ms, 5*time.Second), 0, 2500 * ms, true},
		{"a scrape time in the future (clock skew) still gives a later pass", 0, 5 * time.Second, s(9*time.Second, 5*time.Second), 500 * ms, 4500 * ms, true},
		{"negative lag: the own interval", 0, 5 * time.Second, s(-time.Second, 5*time.Second), -ms, 5 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, aligned := AlignTick(at(tc.now), tc.interval, tc.scrape, tc.lag)
			if got != at(tc.want) || aligned != tc.wantAligned {
				t.Errorf("AlignTick = %s (aligned %v), want %s (aligned %v)", got.Sub(t0), aligned, tc.want, tc.wantAligned)
			}
			if got.Sub(at(tc.now)) < tc.interval/2 {
				t.Errorf("next pass %s after this one, less than half the interval", got.Sub(at(tc.now)))
			}
		})
	}
}

// scrapedSource is a test source whose gateway is scraped every every from
// first on, and which records when it was asked for load (one instant per
// pass: a pass asks for its windows together).
type scrapedSource struct {
	metricsource.Source
	first time.Time
	every time.Duration
	fail  bool

	mu     sync.Mutex
	passes []time.Time
}

func (s *scrapedSource) Load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	now := time.Now()
	s.mu.Lock()
	if n := len(s.passes); n == 0 || !s.passes[n-1].Equal(now) {
		s.passes = append(s.passes, now)
	}
	s.mu.Unlock()
	return s.Source.Load(ctx, q)
}

func (s *scrapedSource) LastScrape(context.Context) (metricsource.Scrape, error) {
	if s.fail {
		return metricsource.Scrape{}, errors.New("prometheus is down")
	}
	now := time.Now()
	if now.Before(s.first) {
		return metricsource.Scrape{Every: s.every}, nil
	}
	return metricsource.Scrape{At: s.first.Add(now.Sub(s.first) / s.every * s.every), Every: s.every}, nil
}

// TestRunAlignsPassesToScrapes: on virtual time, with the gateway scraped
// every 5 s from 2.3 s past the loop's start, the passes timed after the
// first scrape run 0.5 s after one, 5 s apart (the second pass, timed at
// the start before any scrape, keeps the loop's interval); with the lag 0
// (alignment off) or a source that cannot tell, every pass keeps the
// loop's own ticker.
func TestRunAlignsPassesToScrapes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lag   time.Duration
		fail  bool
		phase time.Duration // of the passes after the first, within 5 s
	}{
		{"aligned", 500 * time.Millisecond, false, 2800 * time.Millisecond},
		{"lag 0: own ticker", 0, false, 0},
		{"scrape time unknown: own ticker", 500 * time.Millisecond, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var src *scrapedSource
				e := newLoopEnv(t, func(c *LoopConfig) {
					src = &scrapedSource{Source: c.Source, first: start.Add(2300 * time.Millisecond), every: 5 * time.Second, fail: tc.fail}
					c.Source, c.AlignLag = src, tc.lag
				}, function(refA, 1, nil))
				e.src.Set("rps", refA, 40)
				ctx, cancel := context.WithCancel(t.Context())
				go e.loop.Run(ctx)
				time.Sleep(time.Minute)
				cancel()
				synctest.Wait()
				src.mu.Lock()
				passes := slices.Clone(src.passes)
				src.mu.Unlock()
				if len(passes) < 11 || !passes[0].Equal(start) {
					t.Fatalf("%d passes, first at %s: want the first at the start and one every 5 s", len(passes), passes[0].Sub(start))
				}
				age, ok := e.metric(t, MetricPassScrapeAge, nil)
				if wantAge := tc.phase.Seconds() - 2.3; tc.phase > 0 && (!ok || math.Abs(age-wantAge) > 1e-9) {
					t.Errorf("%s = %v (present %v), want %v", MetricPassScrapeAge, age, ok, wantAge)
				}
				for i, p := range passes[1:] {
					off := p.Sub(start)
					if got := off % (5 * time.Second); got != tc.phase && (i > 0 || off != 5*time.Second) {
						t.Errorf("pass %d at %s: %s into its 5 s, want %s", i+1, off, got, tc.phase)
					}
					if gap := p.Sub(passes[i]); gap < 2500*time.Millisecond || gap > 5*time.Second {
						t.Errorf("pass %d %s after the one before", i+1, gap)
					}
				}
			})
		})
	}
}

func TestAlignLagIsValidated(t *testing.T) {
	for _, lag := range []time.Duration{-time.Millisecond, 5 * time.Second} {
		cfg := LoopConfig{Provider: newTestProvider(t), Source: struct{ metricsource.Source }{}, Actuator: newActuator(t, newTestProvider(t), nil, false),
			Defaults: testDefaults(), AlignLag: lag}
		if err := cfg.Validate(); err == nil {
			t.Errorf("align lag %s at a 5 s interval: no error", lag)
		}
	}
}
