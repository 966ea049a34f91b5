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

func TestKeepAliveHookHoldsPreWarmWindow(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "timer", Namespace: "fn"}
	times := series(30, func(int) time.Duration { return time.Hour })
	for _, at := range times {
		p.Observe(ref, at)
	}
	last := times[len(times)-1]
	tests := []struct {
		name  string
		since time.Duration
		want  time.Duration
		code  string
	}{
		{"just after the run: at once", time.Minute, time.Second, "periodic"},
		{"inside the window: until its end", time.Hour, time.Hour + 30*time.Second, "periodic (in the pre-warm window)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, why := p.KeepAlive(ref, 15*time.Minute, 1, last.Add(tc.since))
			if k != tc.want || why != tc.code {
				t.Errorf("KeepAlive at +%s = %s (%s), want %s (%s)", tc.since, k, why, tc.want, tc.code)
			}
		})
	}
}

func TestDueIsBounded(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	var refs []provider.Ref
	for i := 0; i < 8; i++ {
		ref := provider.Ref{Name: string(rune('a' + i)), Namespace: "fn"}
		refs = append(refs, ref)
		// Function i runs hourly, offset by i seconds.
		for _, at := range series(12, func(int) time.Duration { return time.Hour }) {
			p.Observe(ref, at.Add(time.Duration(i)*time.Second))
		}
	}
	now := t0.Add(12 * time.Hour) // every function's window is open
	tests := []struct {
		name      string
		prewarmed int
		want      int
	}{
		{"share 0.25 of 8 functions", 0, 2},
		{"one already pre-warmed", 1, 1},
		{"bound reached", 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			due := p.Due(now, refs, tc.prewarmed, 15*time.Minute)
			if len(due) != tc.want {
				t.Fatalf("%d due, want %d", len(due), tc.want)
			}
			if tc.want > 0 && due[0].Ref != refs[0] {
				t.Errorf("first due %v, want the soonest-closing window (a)", due[0].Ref)
			}
			if tc.want > 0 && !strings.Contains(due[0].Reason, "timer") {
				t.Errorf("reason %q does not explain the timer", due[0].Reason)
			}
		})
	}
}

// TestObserveCountRebuildsState: per-minute counts (as a Prometheus range
// query returns them after a restart) teach the same timer as invocations.
func TestObserveCountRebuildsState(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	for m := 0; m < 600; m++ {
		n := 0
		if m%30 == 0 {
			n = 1
		}
		p.ObserveCount(ref, t0.Add(time.Duration(m+1)*time.Minute), time.Minute, n)
	}
	plan, _ := p.Plan(ref, 15*time.Minute, t0.Add(10*time.Hour))
	if plan.Code != CodePeriodic || plan.PreWarmAt > 30*time.Minute || plan.PreWarmUntil < 30*time.Minute {
		t.Errorf("plan %s %s–%s, want periodic around 30 min (%s)", plan.Code, plan.PreWarmAt, plan.PreWarmUntil, plan.Reason)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, ""},
		{"margin", Config{Margin: 1.5}, "keepalive: margin = 1.5, must be in [0, 1)"},
		{"share", Config{PreWarmShare: 2}, "keepalive: pre-warm share = 2, must be in [0, 1]"},
		{"history", Config{History: 3, MinSamples: 5}, "keepalive: history = 3 and min samples = 5: want 1 ≤ min samples ≤ history, 2 ≤ history ≤ 65536"},
		{"long history", Config{History: 1<<16 + 1}, "keepalive: history = 65537 and min samples = 10: want 1 ≤ min samples ≤ history, 2 ≤ history ≤ 65536"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Validate() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBurstsAreNotIdleTimes: a function called in bursts — 500 requests in
// one 15 s step every 60–90 s, as the feeder counts them — must be kept
// warm across the gaps between bursts: missing one costs 500 cold starts.
// Read as 499 tiny idle times per burst (the old ObserveCount), the history
// held one burst's spacing and the plan let the function go to zero 15 s
// after each burst.
func TestBurstsAreNotIdleTimes(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	step := 15 * time.Second
	at := t0
	gaps := []time.Duration{60, 75, 90, 60, 75, 90, 60, 75, 90, 60, 75, 90, 60}
	for _, g := range gaps {
		at = at.Add(g * time.Second)
		p.ObserveCount(ref, at, step, 500)
	}
	plan, _ := p.Plan(ref, 15*time.Minute, at)
	// The longest idle time is 75 s: 90 s from burst to burst, less the step.
	if plan.Code != CodeKeepAlive || plan.KeepAlive < 75*time.Second {
		t.Errorf("plan %s keep %s, want a keep-alive over the 75 s idle times between bursts (%s)", plan.Code, plan.KeepAlive, plan.Reason)
	}
	if plan.ExpectedCold > 0.01 {
		t.Errorf("expected cold share %.3f, want ≈ 0 (%s)", plan.ExpectedCold, plan.Reason)
	}
}

// TestOneBusyStepIsStillLearning: a first step with a thousand requests is
// one function seen once, not a thousand idle times to plan on.
func TestOneBusyStepIsStillLearning(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	p.ObserveCount(ref, t0, 15*time.Second, 1000)
	if plan, _ := p.Plan(ref, 15*time.Minute, t0); plan.Code != CodeLearning {
		t.Errorf("plan %s after one busy step, want learning (%s)", plan.Code, plan.Reason)
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

// TestSteadyTrafficKeepsItsLulls: a function busy every 15 s step for two
// hours, then quiet for 5 minutes, all day. The plan after a busy stretch
// must still cover the 5-minute lulls: pushed as idle times, the steps of
// one busy hour filled the 256-entry history with sub-step gaps, the lulls
// fell out of it, and the plan let the function go to zero within seconds
// of the next lull.
func TestSteadyTrafficKeepsItsLulls(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	step := 15 * time.Second
	at := feedStretches(p, ref, 14, 2*60*4, 10, 5*time.Minute) // two hours busy, a 5-minute lull
	plan, _ := p.Plan(ref, 15*time.Minute, at)
	// A lull, as the steps show it, is 5 minutes less a step from the last
	// call to the next; warm then by keep-alive or by pre-warm is covered.
	if lull := 5*time.Minute - step/2; !plan.Warm(lull, 0) {
		t.Errorf("plan %s not warm %s after the last call, want the 5-minute lulls covered (%s)", plan.Code, lull, plan.Reason)
	}
}

// TestPreWarmIsOneReplica: busy stretches that start with 20 calls in their
// first step after a regular 4½-minute lull (a job every 10 minutes, as a
// 430k-calls-a-day function of the 200-function day does) are kept warm
// across the lull: a pre-warm brings one replica, and the stretch's other
// requests would wait for the scaler's ramp. Priced as if the one replica
// served them all, the plan was "zero, pre-warm at 4 min" and the function
// was ramped from one replica every 10 minutes.
func TestPreWarmIsOneReplica(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	at := feedStretches(p, ref, 20, 22, 20, 270*time.Second) // 5½ minutes busy, 4½ quiet
	plan, _ := p.Plan(ref, 15*time.Minute, at)
	if plan.Code != CodeKeepAlive || plan.KeepAlive < 4*time.Minute {
		t.Errorf("plan %s keep %s, want a keep-alive over the 4½-minute lulls (%s)", plan.Code, plan.KeepAlive, plan.Reason)
	}
}

// TestPreWarmServesWhatOneReplicaServes: the same lulls, ended by 20 calls a
// step, at a function whose replica serves 25 requests at once: one
// pre-warmed replica takes the whole step, so unloading in the lull and
// pre-warming before its end is the cheaper plan; told a replica serves 1,
// the policy keeps it warm instead.
func TestPreWarmServesWhatOneReplicaServes(t *testing.T) {
	for _, tc := range []struct {
		serves  float64
		prewarm bool
	}{{25, true}, {1, false}} {
		p, _ := New(Config{PreWarmShare: 0.25})
		ref := provider.Ref{Name: "f", Namespace: "fn"}
		at := feedStretches(p, ref, 20, 22, 20, 270*time.Second)
		_, _ = p.KeepAlive(ref, 15*time.Minute, tc.serves, at)
		plan, _ := p.Plan(ref, 15*time.Minute, at)
		if got := plan.PreWarmAt > 0; got != tc.prewarm {
			t.Errorf("serves %v: plan %s (%s), want pre-warm %v", tc.serves, plan.Code, plan.Reason, tc.prewarm)
		}
	}
}

// TestPreWarmIsTheCountItWasIdledFrom: lulls ended by 20 calls a step at a
// function whose replica serves 10. One pre-warmed replica would leave half
// of each step cold, so the plan keeps the function warm; once the idler
// says it idled the function from 2 replicas, a pre-warm starts 2, takes
// the whole step, and unloading in the lull pays. From 40 replicas each is
// idle through the window: the keep-alive is cheaper again.
func TestPreWarmIsTheCountItWasIdledFrom(t *testing.T) {
	for _, tc := range []struct {
		zeroed  uint64 // 0: the idler has not said
		prewarm bool
		starts  uint64
	}{{0, false, 1}, {2, true, 2}, {40, false, 40}} {
		p, _ := New(Config{PreWarmShare: 1})
		ref := provider.Ref{Name: "f", Namespace: "fn"}
		at := feedStretches(p, ref, 20, 22, 20, 270*time.Second)
		_, _ = p.KeepAlive(ref, 15*time.Minute, 10, at)
		p.Zeroed(ref, tc.zeroed)
		plan, last := p.Plan(ref, 15*time.Minute, at)
		if got := plan.PreWarmAt > 0; got != tc.prewarm {
			t.Errorf("idled from %d: plan %s (%s), want pre-warm %v", tc.zeroed, plan.Code, plan.Reason, tc.prewarm)
		}
		if !tc.prewarm {
			continue
		}
		due := p.Due(last.Add(plan.PreWarmAt), []provider.Ref{ref}, 0, 15*time.Minute)
		if len(due) != 1 || due[0].Replicas != tc.starts {
			t.Errorf("idled from %d: due %+v, want one pre-warm of %d", tc.zeroed, due, tc.starts)
		}
	}
}

// feedStretches feeds p, from t0, rounds of steps busy 15 s steps with n
// calls each, then a lull; it returns the time after the last lull.
func feedStretches(p *Policy, ref provider.Ref, rounds, steps, n int, lull time.Duration) time.Time {
	const step = 15 * time.Second
	at := t0
	for range rounds {
		for range steps {
			at = at.Add(step)
			p.ObserveCount(ref, at, step, n)
		}
		at = at.Add(lull)
	}
	return at
}
