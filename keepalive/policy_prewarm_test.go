package keepalive

import (
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

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
