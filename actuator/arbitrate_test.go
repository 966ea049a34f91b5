package actuator

import (
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var (
	t0  = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ref = provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// arb returns an Input that Arbitrate applies as is (leader, managed, no
// history) for who's intent from→to observed at t0, changed by edit.
func arb(who Component, from, to uint64, edit func(*Input)) Input {
	in := Input{Intent: Intent{Ref: ref, From: from, To: to, Who: who, Code: "c", Observed: t0},
		Now: at(10), Leading: true, Managed: true}
	if edit != nil {
		edit(&in)
	}
	return in
}

func TestArbitrate(t *testing.T) {
	scalerRaise := Write{Who: Scaler, From: 1, To: 3, At: at(5)}
	idled := Write{Who: Idler, From: 1, To: 0, At: at(5)}
	scalerLowered := Write{Who: Scaler, From: 4, To: 2, At: at(5)}
	for _, tc := range []struct {
		name   string
		in     Input
		code   Code
		apply  bool
		from   uint64 // the verdict's From when applied
		reason string
	}{
		{"applies a raise", arb(Scaler, 1, 3, nil), CodeApplied, true, 1, "1→3"},
		{"applies a scale to zero", arb(Idler, 1, 0, nil), CodeApplied, true, 1, "1→0"},

		// The guards, in order: leader beats everything.
		{"not leader", arb(Scaler, 1, 3, func(in *Input) { in.Leading, in.Managed, in.DryRun = false, false, true }),
			CodeNotLeader, false, 0, "not the leader"},
		{"filtered before max", arb(Scaler, 1, 30, func(in *Input) { in.Managed = false; in.Intent.Max = 5 }),
			CodeFiltered, false, 0, "namespace openfaas-fn is not managed"},
		{"above max before scheduled min", arb(Scaler, 1, 30, func(in *Input) { in.Intent.Max = 5; in.Intent.ScheduledMin = 2 }),
			CodeAboveMax, false, 0, "30 is above max 5"},
		{"max is inclusive", arb(Scaler, 1, 5, func(in *Input) { in.Intent.Max = 5 }), CodeApplied, true, 1, "1→5"},
		{"max 0 is unknown, not a cap", arb(Scaler, 1, 50, nil), CodeApplied, true, 1, "1→50"},
		{"scheduled min blocks zero before unchanged", arb(Idler, 0, 0, func(in *Input) { in.Intent.ScheduledMin = 2 }),
			CodeScheduledMin, false, 0, "scheduled minimum 2 is active"},
		{"scheduled min does not block a non-zero count", arb(Scaler, 3, 1, func(in *Input) { in.Intent.ScheduledMin = 2 }),
			CodeApplied, true, 3, "3→1"},

		// Nothing to do, before staleness, back-off and dry-run.
		{"unchanged", arb(Scaler, 2, 2, func(in *Input) { in.Last = scalerRaise; in.BackoffUntil = at(60); in.DryRun = true }),
			CodeUnchanged, false, 2, "already at 2"},
		{"unchanged at the re-read count", arb(Scaler, 1, 3, func(in *Input) { in.Current, in.HasCurrent = 3, true }),
			CodeUnchanged, false, 3, "already at 3"},

		// A lower count on a stale observation.
		{"raised since beats changed", arb(Idler, 1, 0, func(in *Input) { in.Last = scalerRaise; in.Current, in.HasCurrent = 3, true }),
			CodeRaisedSince, false, 0, "scaler raised it 1→3 at 03:04:10.000, after this was decided on 1"},
		{"raised at the same instant is not since", arb(Idler, 1, 0, func(in *Input) { in.Last = scalerRaise; in.Intent.Observed = at(5) }),
			CodeApplied, true, 1, "1→0"},
		{"raised before the observation is not since", arb(Idler, 3, 0, func(in *Input) { in.Last = scalerRaise; in.Intent.Observed = at(6) }),
			CodeApplied, true, 3, "3→0"},
		{"a lower count on a changed count is re-decided", arb(Scaler, 5, 2, func(in *Input) { in.Current, in.HasCurrent = 4, true }),
			CodeChanged, false, 0, "decided on 5, but it has 4 now"},
		{"a raise already exceeded", arb(Scaler, 1, 3, func(in *Input) { in.Current, in.HasCurrent = 4, true }),
			CodeAlreadyHigher, false, 0, "wanted 1→3, but it has 4 now"},
		{"lowered since", arb(Idler, 4, 0, func(in *Input) { in.Last = scalerLowered }),
			CodeChanged, false, 0, "scaler changed it 4→2 at 03:04:10.000, after this was decided on 4"},

		// A raise on a changed count goes ahead from the new count.
		{"a raise proceeds from the re-read count", arb(Scaler, 1, 5, func(in *Input) { in.Current, in.HasCurrent = 3, true }),
			CodeApplied, true, 3, "3→5"},
		{"a raise after a lowering proceeds", arb(Scaler, 4, 6, func(in *Input) { in.Last = scalerLowered }),
			CodeApplied, true, 4, "4→6"},

		// Wake from zero on evidence older than the idle.
		{"stale evidence", arb(Scaler, 0, 1, func(in *Input) { in.Last = idled; in.Intent.EvidenceFrom = at(-50) }),
			CodeStaleEvidence, false, 0, "wake from zero on load measured since 03:03:15.000, before idler scaled it to zero at 03:04:10.000"},
		{"stale evidence on the re-read zero", arb(PreWarm, 1, 2, func(in *Input) {
			in.Last = idled
			in.Intent.EvidenceFrom = at(-50)
			in.Current, in.HasCurrent = 0, true
		}), CodeStaleEvidence, false, 0, "before idler scaled it to zero"},
		{"fresh evidence wakes", arb(Scaler, 0, 1, func(in *Input) { in.Last = idled; in.Intent.EvidenceFrom = at(6) }),
			CodeApplied, true, 0, "0→1"},
		{"no evidence time wakes", arb(Restore, 0, 1, func(in *Input) { in.Last = idled }), CodeApplied, true, 0, "0→1"},
		{"the idler's own evidence is not stale", arb(Idler, 0, 1, func(in *Input) { in.Last = idled; in.Intent.EvidenceFrom = at(-50) }),
			CodeApplied, true, 0, "0→1"},
		{"not woken from zero", arb(Scaler, 1, 2, func(in *Input) { in.Last = idled; in.Intent.EvidenceFrom = at(-50) }),
			CodeApplied, true, 1, "1→2"},

		// Back-off, then refusal, then dry-run.
		{"backoff before refused", arb(Idler, 1, 0, func(in *Input) {
			in.BackoffUntil = at(11)
			in.RefusedTo, in.HasRefused, in.RefusedUntil = 0, true, at(100)
		}), CodeBackoff, false, 0, "backing off until 03:04:16.000"},
		{"backoff over", arb(Idler, 1, 0, func(in *Input) { in.BackoffUntil = at(10) }), CodeApplied, true, 1, "1→0"},
		{"refused before dry run", arb(Idler, 1, 0, func(in *Input) {
			in.RefusedTo, in.HasRefused, in.RefusedUntil = 0, true, at(100)
			in.DryRun = true
		}), CodeRefused, false, 0, "the provider refused 0; not asking again before 03:05:45.000"},
		{"refused another count", arb(Scaler, 1, 2, func(in *Input) { in.RefusedTo, in.HasRefused, in.RefusedUntil = 0, true, at(100) }),
			CodeApplied, true, 1, "1→2"},
		{"refused window over", arb(Idler, 1, 0, func(in *Input) { in.RefusedTo, in.HasRefused, in.RefusedUntil = 0, true, at(10) }),
			CodeApplied, true, 1, "1→0"},
		{"refused zero value is not a refusal", arb(Idler, 1, 0, func(in *Input) { in.RefusedUntil = at(100) }),
			CodeApplied, true, 1, "1→0"},
		// OpenFaaS CE took 5 of the 10 asked: held at 5 and above, asked
		// again from below (it lands 5 again).
		{"part landed, asked again from below it", arb(Scaler, 2, 10, func(in *Input) {
			in.RefusedTo, in.HasRefused, in.RefusedUntil, in.RefusedLanded, in.HasRefusedLanded = 10, true, at(100), 5, true
		}), CodeApplied, true, 2, "2→10"},
		{"part landed, held at it", arb(Scaler, 5, 10, func(in *Input) {
			in.RefusedTo, in.HasRefused, in.RefusedUntil, in.RefusedLanded, in.HasRefusedLanded = 10, true, at(100), 5, true
		}), CodeRefused, false, 0, "the provider refused 10"},
		{"part landed, held above it", arb(Scaler, 7, 10, func(in *Input) {
			in.RefusedTo, in.HasRefused, in.RefusedUntil, in.RefusedLanded, in.HasRefusedLanded = 10, true, at(100), 5, true
		}), CodeRefused, false, 0, "the provider refused 10"},
		{"part landed, held at it re-read", arb(Scaler, 2, 10, func(in *Input) {
			in.RefusedTo, in.HasRefused, in.RefusedUntil, in.RefusedLanded, in.HasRefusedLanded = 10, true, at(100), 5, true
			in.Current, in.HasCurrent = 5, true
		}), CodeRefused, false, 0, "the provider refused 10"},
		{"dry run", arb(Scaler, 1, 3, func(in *Input) { in.DryRun = true }), CodeDryRun, false, 1, "dry run: would scale 1→3"},
		{"dry run after re-read", arb(Scaler, 1, 5, func(in *Input) { in.DryRun = true; in.Current, in.HasCurrent = 2, true }),
			CodeDryRun, false, 2, "would scale 2→5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Arbitrate(tc.in)
			if v.Code != tc.code || v.Apply != tc.apply {
				t.Fatalf("Arbitrate = %s (apply %v): %s; want %s (apply %v)", v.Code, v.Apply, v.Reason, tc.code, tc.apply)
			}
			if !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", v.Reason, tc.reason)
			}
			if (tc.apply || tc.code == CodeDryRun || tc.code == CodeUnchanged) && v.From != tc.from {
				t.Errorf("From = %d, want %d", v.From, tc.from)
			}
		})
	}
}

// Every code that Arbitrate can give is covered by the table above; the
// others come from the write (execute) or the queue (Submit).
func TestArbitrateIsPure(t *testing.T) {
	in := arb(Idler, 1, 0, func(in *Input) { in.Last = scalerRaiseAt(5) })
	first := Arbitrate(in)
	for range 3 {
		if v := Arbitrate(in); v != first {
			t.Fatalf("Arbitrate changed its answer: %+v then %+v", first, v)
		}
	}
}

func scalerRaiseAt(s int) Write { return Write{Who: Scaler, From: 1, To: 3, At: at(s)} }

func TestMerge(t *testing.T) {
	mk := func(who Component, to uint64, code string) Intent {
		return Intent{Ref: ref, From: 2, To: to, Who: who, Code: code}
	}
	for _, tc := range []struct {
		name             string
		queued, incoming Intent
		keepQueued       bool
	}{
		{"a component's newer intent replaces its older higher one", mk(Scaler, 5, "old"), mk(Scaler, 1, "new"), false},
		{"a component's newer intent replaces its older lower one", mk(Idler, 0, "old"), mk(Idler, 3, "new"), false},
		{"a raise beats a queued scale-down", mk(Idler, 0, "idle"), mk(Scaler, 3, "up"), false},
		{"a queued raise beats an incoming scale-down", mk(Scaler, 3, "up"), mk(Idler, 0, "idle"), true},
		{"the newer wins a tie", mk(PreWarm, 3, "pre"), mk(Scaler, 3, "up"), false},
		{"higher wins between raises", mk(PreWarm, 4, "pre"), mk(Scaler, 3, "up"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep, dropped := Merge(tc.queued, tc.incoming)
			wantKeep, wantDrop := tc.incoming, tc.queued
			if tc.keepQueued {
				wantKeep, wantDrop = tc.queued, tc.incoming
			}
			if keep != wantKeep || dropped != wantDrop {
				t.Errorf("Merge(%s, %s) keeps %s, drops %s; want keep %s", tc.queued, tc.incoming, keep, dropped, wantKeep)
			}
		})
	}
}
