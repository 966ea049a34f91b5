package controller

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// idlerRuns is the idler's runs_total (every label) in s's registry.
func idlerRuns(t *testing.T, s *stack) float64 {
	t.Helper()
	mfs, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if strings.HasSuffix(mf.GetName(), "idler_runs_total") {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// TestReview51GEquivalentScheduleReloadKeepsTheSlot: a reload that writes
// idler.schedule differently but means the same schedule ("@every 1m" →
// "@every 60s") is no change of schedule. Only a change wakes the idler's
// Run (idler.SetTuning: "waking it for the same @every would push its next
// run an interval later at every reload"; the whitespace-only case was
// fixed, docs/benchmarks.md), but the comparison is of the text, so an
// equivalent rewrite pushes the due cycle a whole interval later, and a
// config tool that re-renders the value on every reload starves the idler.
// Expected: the cycle due at about 62s still runs by 70s.
func TestReview51GEquivalentScheduleReloadKeepsTheSlot(t *testing.T) {
	for _, tc := range []struct{ name, next string }{
		{"same text (control)", "@every 1m"},
		{"same schedule, other text", "@every 60s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Idler.Schedule = "@every 1m"
				s := newStack(t, cfg, Wiring{}, fn{name: "a", replicas: 1, labels: labels("com.openfaas.scale.zero", "true")})
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				s.run(ctx)
				time.Sleep(50 * time.Second)
				before := idlerRuns(t, s)
				next := cfg
				next.Idler.Schedule = tc.next
				if _, err := s.ctl.Reload(next); err != nil {
					t.Fatal(err)
				}
				time.Sleep(20 * time.Second) // to 70s: the slot was due at about 62s
				if after := idlerRuns(t, s); after <= before {
					t.Errorf("idler.schedule reloaded %q → %q at 50s: %v cycles by 70s, %v before the reload; want the cycle due at ~62s to run (the schedule did not change)",
						cfg.Idler.Schedule, tc.next, after, before)
				}
			})
		})
	}
}
