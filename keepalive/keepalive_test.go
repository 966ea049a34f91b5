package keepalive

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var t0 = time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC)

// series returns invocation times from idle-time generator gen.
func series(n int, gen func(i int) time.Duration) []time.Time {
	out := []time.Time{t0}
	for i := 1; i < n; i++ {
		out = append(out, out[i-1].Add(gen(i)))
	}
	return out
}

func planFor(t *testing.T, times []time.Time, cfg Config) Plan {
	t.Helper()
	if cfg.PreWarmShare == 0 {
		cfg.PreWarmShare = Default().PreWarmShare // pre-warming on, as shipped (0 turns it off)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	for _, at := range times {
		p.Observe(ref, at)
	}
	plan, _ := p.Plan(ref, 15*time.Minute, times[len(times)-1])
	return plan
}

func TestChooseOnSyntheticSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pauses := rand.New(rand.NewPCG(5, 6)) // its own, so the other cases' series stay as they were
	jitter := func(d time.Duration) time.Duration { return time.Duration((rng.Float64()*2 - 1) * float64(d)) }
	tests := []struct {
		name  string
		cfg   Config
		times []time.Time
		check func(t *testing.T, p Plan)
	}{
		{
			name:  "learning: keep for what a cold start is worth (ski rental) until enough idle times",
			times: series(3, func(int) time.Duration { return 30 * time.Minute }),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodeLearning || p.KeepAlive != Default().ColdStartWorth {
					t.Errorf("got %s keep %s, want learning with the cold start's worth %s", p.Code, p.KeepAlive, Default().ColdStartWorth)
				}
				if !strings.Contains(p.Reason, "ski rental") {
					t.Errorf("reason %q does not say why the keep-alive is the cold start's worth", p.Reason)
				}
			},
		},
		{
			name:  "learning with a set learning keep-alive",
			cfg:   Config{LearningKeepAlive: 3 * time.Hour},
			times: series(3, func(int) time.Duration { return 30 * time.Minute }),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodeLearning || p.KeepAlive != 3*time.Hour {
					t.Errorf("got %s keep %s, want learning with the 3h set", p.Code, p.KeepAlive)
				}
			},
		},
		{
			// Calls every 5 s with a pause of 1–3 min (no timing to pre-warm
			// on) after every 36: ~400 an hour. Priced below the fleet's price
			// by its rate (worth × 10/400 ≈ 90 s), bridging a pause never paid
			// and the function went cold after every pause; at the floor (an
			// hour) it does.
			name: "busy with pauses: priced at least at the fleet's price, the pauses are bridged",
			times: series(300, func(i int) time.Duration {
				if i%36 == 35 {
					return time.Minute + time.Duration(pauses.IntN(120))*time.Second
				}
				return 5 * time.Second
			}),
			check: func(t *testing.T, p Plan) {
				if !p.Warm(2*time.Minute, 0) || p.ExpectedCold > 0.01 {
					t.Errorf("got %s (expect %.1f%% cold), want warm through every pause (%s)", p.Code, 100*p.ExpectedCold, p.Reason)
				}
			},
		},
		{
			name:  "learning without a learning keep-alive: the label's fallback",
			cfg:   Config{LearningKeepAlive: -1},
			times: series(3, func(int) time.Duration { return 30 * time.Minute }),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodeLearning || p.KeepAlive != 15*time.Minute {
					t.Errorf("got %s keep %s, want learning with the 15m fallback", p.Code, p.KeepAlive)
				}
			},
		},
		{
			name:  "timer every 30 min ±30 s: zero at once, pre-warm around 30 min",
			times: series(60, func(int) time.Duration { return 30*time.Minute + jitter(30*time.Second) }),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodePeriodic || p.KeepAlive != 0 {
					t.Fatalf("got %s keep %s, want periodic with no keep-alive (%s)", p.Code, p.KeepAlive, p.Reason)
				}
				if p.PreWarmAt < 28*time.Minute || p.PreWarmAt > 29*time.Minute+30*time.Second ||
					p.PreWarmUntil < 30*time.Minute+30*time.Second || p.PreWarmUntil > 31*time.Minute+30*time.Second {
					t.Errorf("window %s–%s, want about 29–31 min", p.PreWarmAt, p.PreWarmUntil)
				}
				if p.ExpectedCold > 0.05 {
					t.Errorf("expected cold %.2f, want almost none", p.ExpectedCold)
				}
			},
		},
		{
			name: "bursty HTTP: bursts of invocations seconds apart, every ~2 h",
			times: series(200, func(i int) time.Duration {
				if i%20 == 0 {
					return 2*time.Hour + jitter(10*time.Minute)
				}
				return time.Duration(1+rng.IntN(5)) * time.Second
			}),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodePreWarm {
					t.Fatalf("got %s, want pre_warm (%s)", p.Code, p.Reason)
				}
				if p.KeepAlive < 5*time.Second || p.KeepAlive > 2*time.Minute {
					t.Errorf("burst keep-alive %s, want seconds to cover the burst", p.KeepAlive)
				}
				if p.PreWarmAt < 100*time.Minute || p.PreWarmUntil > 150*time.Minute {
					t.Errorf("pre-warm %s–%s, want inside 100–150 min (2 h ± 10 min, +10 %% margin)", p.PreWarmAt, p.PreWarmUntil)
				}
			},
		},
		{
			name:  "steady every 20 s: keep a little over the idle time",
			times: series(100, func(int) time.Duration { return 20*time.Second + jitter(5*time.Second) }),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodeKeepAlive || p.KeepAlive < 25*time.Second || p.KeepAlive > 30*time.Second {
					t.Errorf("got %s keep %s, want keep_alive ~25–30 s (%s)", p.Code, p.KeepAlive, p.Reason)
				}
			},
		},
		{
			name: "memoryless, mean 6 h, one price for all: warm time never pays, zero at once",
			cfg:  Config{WorthRate: -1},
			times: series(60, func(int) time.Duration {
				return time.Duration(rng.ExpFloat64() * float64(6*time.Hour))
			}),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodeZeroNow || p.KeepAlive != 0 {
					t.Errorf("got %s keep %s, want zero_now (%s)", p.Code, p.KeepAlive, p.Reason)
				}
			},
		},
		{
			name: "memoryless, mean 6 h, priced by its rate: a rare function is kept long",
			times: series(60, func(int) time.Duration {
				return time.Duration(rng.ExpFloat64() * float64(6*time.Hour))
			}),
			check: func(t *testing.T, p Plan) {
				if p.Code != CodeKeepAlive || p.KeepAlive < 2*time.Hour || p.KeepAlive > 4*time.Hour {
					t.Errorf("got %s keep %s, want keep_alive of hours, at most MaxKeepAlive (%s)", p.Code, p.KeepAlive, p.Reason)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, planFor(t, tc.times, tc.cfg)) })
	}
}

// TestColdStartWorthTradesColdForIdle: a higher worth never gives more
// expected cold starts, and never less idle time.
func TestColdStartWorthTradesColdForIdle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	its := make([]float64, 200)
	for i := range its {
		its[i] = rng.ExpFloat64() * 900 * (1 + float64(i%3))
	}
	prev := Plan{ExpectedCold: math.Inf(1)}
	for _, w := range []time.Duration{time.Minute, 5 * time.Minute, 20 * time.Minute, time.Hour, 4 * time.Hour} {
		p := Choose(its, time.Minute, Config{ColdStartWorth: w})
		if p.ExpectedCold > prev.ExpectedCold+1e-9 || p.ExpectedIdle < prev.ExpectedIdle-1e-9 {
			t.Errorf("worth %s: cold %.3f idle %.0f; previous cold %.3f idle %.0f", w, p.ExpectedCold, p.ExpectedIdle, prev.ExpectedCold, prev.ExpectedIdle)
		}
		prev = p
	}
}

// TestWeightsPriceMissedBursts: the same idle times (10–30 min, no timer),
// once ended by single calls and once by bursts of 50, give different plans:
// at a 5-minute price the single calls are not worth the warm time, the
// bursts are.
func TestWeightsPriceMissedBursts(t *testing.T) {
	its := make([]float64, 20)
	ws := make([]float64, len(its))
	for i := range its {
		its[i] = float64(600 + 60*i)
		ws[i] = 50
	}
	cfg := Config{ColdStartWorth: 5 * time.Minute, WorthRate: -1}
	single := Choose(its, 15*time.Minute, cfg)
	bursts := ChooseFor(Learned{Idle: its, Weight: ws, Serves: 1}, 15*time.Minute, cfg)
	if single.ExpectedCold < 0.5 {
		t.Errorf("single calls: %s, expect %.2f cold; want most of them cold at this price (%s)", single.Code, single.ExpectedCold, single.Reason)
	}
	if bursts.ExpectedCold > 0.1 {
		t.Errorf("bursts of 50: %s, expect %.2f cold; want the gaps covered (%s)", bursts.Code, bursts.ExpectedCold, bursts.Reason)
	}
}
