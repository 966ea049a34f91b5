package ours

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
)

// bursty2h is two hours of the bursty synthetic trace: its functions scale
// up every few minutes, so follow-ups have something to do.
func bursty2h(t *testing.T) (*sim.Config, func(ps ...sim.Policy) []sim.Result) {
	t.Helper()
	tr, err := synth.Open("synth:bursty@1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.Minutes = 120
	return &cfg, func(ps ...sim.Policy) []sim.Result {
		t.Helper()
		rs, err := sim.Run(tr, cfg, ps, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
}

// differing counts the functions whose replays differ; replica-seconds are
// sums over the replay's steps, and skipping steps sums them in fewer
// pieces: equal to rounding, not to the last bit.
func differing(want, got sim.Result) int {
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a)) }
	var diff int
	for i := range want.Functions {
		w, g := want.Functions[i], got.Functions[i]
		if !near(w.IdleReplicaSeconds, g.IdleReplicaSeconds) || !near(w.ReplicaSeconds, g.ReplicaSeconds) {
			diff++
			continue
		}
		w.IdleReplicaSeconds, w.ReplicaSeconds = g.IdleReplicaSeconds, g.ReplicaSeconds
		if !reflect.DeepEqual(w, g) {
			diff++
		}
	}
	return diff
}

// TestSkippingIdleFollowUpsChangesNothing: replayed with FollowUp every
// second, as Loop.Run calls it, and with the seconds skipped while no
// function awaits one, every figure is the same: at the shipped scrape and
// phase, at a 1 s scrape, and with scrapes off the follow-ups' grid (a
// pass at a scrape is not a follow-up tick). Seen failing in all three
// with the skip ignoring FollowingUp (follow-ups never scheduled).
func TestSkippingIdleFollowUpsChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name          string
		scrape, phase time.Duration
	}{
		{"shipped", 0, 0},
		{"1s scrape", time.Second, HalfInterval},
		{"5s scrape, phase 1.3s", 5 * time.Second, 1300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, run := bursty2h(t)
			skip := Default()
			if tc.scrape > 0 {
				skip.Scrape, skip.ScrapePhase = tc.scrape, tc.phase
			}
			every := skip
			every.Label, every.everySecond = "every-second", true
			rs := run(every, skip)
			if rs[0].ScaleEvents == 0 {
				t.Fatal("no scale-up in two hours: nothing to follow up")
			}
			if len(rs[0].Functions) != len(rs[1].Functions) {
				t.Fatalf("%d functions against %d", len(rs[0].Functions), len(rs[1].Functions))
			}
			if diff := differing(rs[0], rs[1]); diff > 0 {
				t.Errorf("skipping changed the replay of %d functions: cold starts %d → %d, idle %.1f → %.1f replica-s, scale events %d → %d",
					diff, rs[0].ColdStarts, rs[1].ColdStarts, rs[0].IdleReplicaSeconds, rs[1].IdleReplicaSeconds, rs[0].ScaleEvents, rs[1].ScaleEvents)
			}
		})
	}
}

// TestFollowUpsActOffThePhase: with passes on the scaler's own ticker
// (scaler.align_lag 0) and the scrape half an interval off them, a
// follow-up reads a scrape the pass before it did not, so leaving
// follow-ups out changes the replay; with every scrape just before a pass
// (phase 0) they read what the pass read, and it does not.
func TestFollowUpsActOffThePhase(t *testing.T) {
	_, run := bursty2h(t)
	with := Default()
	with.Config.Scaler.AlignLag = 0
	without := with
	without.Label, without.neverFollowUp = "no-follow-ups", true
	aligned, alignedWithout := with, without
	aligned.ScrapePhase, alignedWithout.ScrapePhase = 0, 0
	aligned.Label, alignedWithout.Label = "aligned", "aligned-no-follow-ups"
	rs := run(with, without, aligned, alignedWithout)
	if differing(rs[0], rs[1]) == 0 {
		t.Errorf("at half an interval off the passes, follow-ups changed nothing (cold starts %d, scale events %d)", rs[0].ColdStarts, rs[0].ScaleEvents)
	}
	if d := differing(rs[2], rs[3]); d > 0 {
		t.Errorf("at phase 0 follow-ups changed %d functions' replays: cold starts %d → %d", d, rs[2].ColdStarts, rs[3].ColdStarts)
	}
}

// TestScrapePhaseIsChecked: a phase outside [0, Scrape) is an error, not a
// replay.
func TestScrapePhaseIsChecked(t *testing.T) {
	for _, ph := range []time.Duration{-2 * time.Second, 5 * time.Second, 7 * time.Second} {
		p := Default()
		p.ScrapePhase = ph
		if _, err := p.NewFleet(nil, time.Unix(0, 0), nil); err == nil {
			t.Errorf("phase %s at a %s scrape: no error", ph, p.Scrape)
		}
	}
}

// TestPassesFollowTheScrapes: with the shipped scaler.align_lag, the
// scaler's passes after the first run the lag after a scrape, whatever the
// scrape's phase; with it 0 they keep the interval from the start.
func TestPassesFollowTheScrapes(t *testing.T) {
	start := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		phase, lag time.Duration
		want       time.Duration // passes' offset into their 5 s
	}{
		{"half phase, aligned", HalfInterval, 500 * time.Millisecond, 3 * time.Second},
		{"phase 1.3s, aligned", 1300 * time.Millisecond, 500 * time.Millisecond, 1800 * time.Millisecond},
		{"phase 0, aligned", 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{"half phase, own ticker", HalfInterval, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Default()
			p.ScrapePhase, p.Config.Scaler.AlignLag = tc.phase, tc.lag
			fl, err := p.NewFleet(nil, start, idlePlatform{}) // no functions: empty listings and pages
			if err != nil {
				t.Fatal(err)
			}
			f := fl.(*fleet)
			var passes []time.Time
			for now := f.Next(); now.Before(start.Add(time.Minute)); now = f.Next() {
				before := f.nextScale
				f.Pass(now)
				if !f.nextScale.Equal(before) {
					passes = append(passes, now)
				}
			}
			if len(passes) < 11 || !passes[0].Equal(start) {
				t.Fatalf("passes %v: want the first at the start and one about every 5 s", passes)
			}
			// The second pass is timed at the start, before any scrape.
			for i, at := range passes[2:] {
				if off := at.Sub(start) % (5 * time.Second); off != tc.want {
					t.Errorf("pass %d at %s: %s into its 5 s, want %s", i+2, at.Sub(start), off, tc.want)
				}
			}
		})
	}
}
