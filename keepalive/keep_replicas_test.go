package keepalive

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestKeepAliveOnAFloorOfOneIsPricedAsBefore: a keep-alive is priced on the
// replicas it keeps, max(min, 1) (Policy.keepsLocked). For a function
// whose min is 0 or 1 that is the one replica every keep-alive was priced
// on before, so its plans, to the bit and word for word, are those of a
// function whose bounds the pre-warmer has not told: timers, bursts and
// busy functions, idled from one replica or several. A min of 3 must move
// some plan, or the test shows nothing.
func TestKeepAliveOnAFloorOfOneIsPricedAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(52, 8))
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	moved := 0
	for run := range 60 {
		ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
		// One history, fed to a policy per bounds.
		var calls []time.Time
		at := start
		for range 20 + rng.IntN(200) {
			switch run % 3 {
			case 0: // a timer with jitter
				at = at.Add(10*time.Minute + time.Duration(rng.IntN(20)-10)*time.Second)
			case 1: // bursts and long gaps
				if rng.IntN(4) == 0 {
					at = at.Add(time.Duration(rng.ExpFloat64()*3600) * time.Second)
				} else {
					at = at.Add(time.Duration(1+rng.IntN(30)) * time.Second)
				}
			default: // busy, with lulls
				at = at.Add(time.Duration(rng.ExpFloat64()*240) * time.Second)
			}
			calls = append(calls, at)
		}
		idled := uint64(1 + run%4)
		now := at.Add(time.Minute)
		plan := func(bounds *replicaBounds) Plan {
			p, _ := New(Default())
			for _, c := range calls {
				p.Observe(ref, c)
			}
			p.Zeroed(ref, idled)
			if bounds != nil {
				p.setBounds(ref, uint64(bounds.min), uint64(bounds.max))
			}
			got, _ := p.Plan(ref, 15*time.Minute, now)
			return got
		}
		want := plan(nil)
		for _, b := range []replicaBounds{{0, 10}, {1, 10}, {0, 0}, {1, 1}} {
			if got := plan(&b); got != want && !(b.max == 1 && idled > 1) {
				t.Errorf("run %d, idled from %d, min %d max %d: plan %+v; with no bounds told %+v", run, idled, b.min, b.max, got, want)
			}
		}
		if got := plan(&replicaBounds{3, 10}); got != want {
			moved++
		}
	}
	t.Logf("a min of 3 moved %d of 60 plans", moved)
	if moved == 0 {
		t.Error("a min of 3 moved no plan: the test shows nothing")
	}
}

// TestKeepReplicasBelowOneCountAsOne: ChooseFor prices a keep-alive on at
// least one replica, as it does a pre-warm: a KeepReplicas of 0 (not
// set), a fraction or NaN plans as 1, and more replicas make a keep-alive
// dearer (its expected idle time is that many times the keep-alive's).
func TestKeepReplicasBelowOneCountAsOne(t *testing.T) {
	var its []float64
	for i := range 40 {
		its = append(its, float64(60+7*i))
	}
	cfg := Default()
	cfg.PreWarmShare = 0 // keep-alives only: a pre-warm's price is not scaled below
	want := ChooseFor(Learned{Idle: its}, 15*time.Minute, cfg)
	if want.Code != CodeKeepAlive {
		t.Fatalf("plan %s: the test wants a keep-alive", want.Code)
	}
	for _, k := range []float64{0, 1, 0.5, math.NaN(), -3} {
		if got := ChooseFor(Learned{Idle: its, KeepReplicas: k}, 15*time.Minute, cfg); got != want {
			t.Errorf("KeepReplicas %v: plan %+v, want %+v", k, got, want)
		}
	}
	// The same keep-alive, kept on 4 replicas with the price of a cold
	// start 4 times as high, costs 4 times the idle replica-seconds.
	cfg4 := cfg
	cfg4.ColdStartWorth *= 4
	got := ChooseFor(Learned{Idle: its, KeepReplicas: 4}, 15*time.Minute, cfg4)
	if got.Code != want.Code || got.KeepAlive != want.KeepAlive || got.ExpectedIdle != 4*want.ExpectedIdle {
		t.Errorf("4 replicas kept at 4 times the price: plan %+v; want %s's keep-alive with 4×%.0f replica-seconds idle", got, want.KeepAlive, want.ExpectedIdle)
	}
}
