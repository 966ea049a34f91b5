package scaler

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func ptr(v float64) *float64 { return &v }

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

// obsOf is a steady observation: cur replicas, all ready, the same load in
// both windows (nil = missing).
func obsOf(cur uint64, load *float64) Observation {
	return Observation{Replicas: cur, Available: cur, StableLoad: load, StableWindow: time.Minute,
		BurstLoad: load, BurstWindow: 10 * time.Second}
}

func TestDecideTargetModes(t *testing.T) {
	// Default per-replica target: 50 × 0.90 = 45.
	tests := []struct {
		name     string
		spec     Spec
		obs      Observation
		st       State
		want     uint64
		wantCode ReasonCode
	}{
		{name: "scale up to ceil(load/45)", spec: specFrom(nil), obs: Observation{Replicas: 2, Available: 2, StableLoad: ptr(200)},
			want: 5, wantCode: CodeScaleUp},
		{name: "steady load far above capacity is a burst", spec: specFrom(nil), obs: obsOf(2, ptr(200)), want: 5, wantCode: CodeBurst},
		{name: "scale up limited to max(2×cur, cur+4)", spec: specFrom(nil),
			obs: Observation{Replicas: 2, Available: 2, StableLoad: ptr(700)}, want: 6, wantCode: CodeRateLimited},
		{name: "scale up limited by 2×cur when larger", spec: specFrom(func(s *Spec) { s.Max = 100 }),
			obs: Observation{Replicas: 10, Available: 10, StableLoad: ptr(2000)}, want: 20, wantCode: CodeRateLimited},
		{name: "within tolerance above", spec: specFrom(nil), obs: obsOf(4, ptr(190)), want: 4, wantCode: CodeWithinTolerance},
		{name: "within tolerance below", spec: specFrom(nil), obs: obsOf(4, ptr(165)), want: 4, wantCode: CodeWithinTolerance},
		{name: "load below capacity that still needs the current count is steady", spec: specFrom(nil),
			obs: obsOf(4, ptr(140)), want: 4, wantCode: CodeSteady},
		{name: "just outside tolerance", spec: specFrom(nil), obs: obsOf(4, ptr(199)), want: 5, wantCode: CodeScaleUp},
		{name: "tolerance zero reacts to one more request", spec: specFrom(func(s *Spec) { s.Tolerance = 0 }),
			obs: obsOf(4, ptr(181)), want: 5, wantCode: CodeScaleUp},
		{name: "scale down", spec: specFrom(nil), obs: obsOf(10, ptr(200)), want: 5, wantCode: CodeScaleDown},
		{name: "scale down limited to half", spec: specFrom(nil), obs: obsOf(10, ptr(45)), want: 5, wantCode: CodeRateLimited},
		{name: "scale down held by the window's highest", spec: specFrom(nil), obs: obsOf(10, ptr(200)),
			st: State{Recommendations: []Recommendation{{At: InstantOf(t0.Add(-30 * time.Second)), Replicas: 8}}}, want: 8, wantCode: CodeStabilising},
		{name: "recommendation older than the window ignored", spec: specFrom(nil), obs: obsOf(10, ptr(200)),
			st: State{Recommendations: []Recommendation{{At: InstantOf(t0.Add(-3 * time.Minute)), Replicas: 8}}}, want: 5, wantCode: CodeScaleDown},
		{name: "down window 0 scales down at once", spec: specFrom(func(s *Spec) { s.DownWindow = 0 }), obs: obsOf(10, ptr(200)),
			st: State{Recommendations: []Recommendation{{At: InstantOf(t0.Add(-time.Second)), Replicas: 9}}}, want: 5, wantCode: CodeScaleDown},
		{name: "clamped to max", spec: specFrom(nil), obs: Observation{Replicas: 18, Available: 18, StableLoad: ptr(2000)},
			want: 20, wantCode: CodeAtMax},
		{name: "above max after label change", spec: specFrom(func(s *Spec) { s.Max = 4 }), obs: obsOf(6, ptr(300)),
			want: 4, wantCode: CodeAtMax},
		{name: "far above a lowered max goes straight to max", spec: specFrom(func(s *Spec) { s.Max = 4 }), obs: obsOf(30, ptr(100)),
			want: 4, wantCode: CodeAtMax},
		{name: "clamped to min", spec: specFrom(func(s *Spec) { s.Min = 3 }), obs: obsOf(4, ptr(10)), want: 3, wantCode: CodeAtMin},
		{name: "min 0 never goes to zero while running", spec: specFrom(func(s *Spec) { s.Min = 0 }), obs: obsOf(2, ptr(0)),
			want: 1, wantCode: CodeAtMin},
		{name: "min 0 at one replica with no load stays 1", spec: specFrom(func(s *Spec) { s.Min = 0 }), obs: obsOf(1, ptr(0)),
			want: 1, wantCode: CodeAtMin},
		{name: "scheduled minimum raises the floor", spec: specFrom(nil),
			obs: func() Observation {
				o := obsOf(2, ptr(10))
				o.ScheduledMin, o.ScheduledMinReason = 4, "weekdays"
				return o
			}(),
			want: 4, wantCode: CodeScheduledMin},
		{name: "scheduled minimum above max stops at max", spec: specFrom(func(s *Spec) { s.Max = 3 }),
			obs: func() Observation { o := obsOf(2, ptr(10)); o.ScheduledMin = 9; return o }(), want: 3, wantCode: CodeScheduledMin},
		{name: "missing load keeps replicas", spec: specFrom(nil), obs: obsOf(3, nil), want: 3, wantCode: CodeNoData},
		{name: "missing load never scales down even far above need", spec: specFrom(nil),
			obs: Observation{Replicas: 12, Available: 12, BurstLoad: ptr(0)}, want: 12, wantCode: CodeNoData},
		{name: "missing load still raised to min", spec: specFrom(func(s *Spec) { s.Min = 5 }), obs: obsOf(3, nil), want: 5, wantCode: CodeAtMin},
		{name: "missing load still raised to scheduled min", spec: specFrom(nil),
			obs: func() Observation { o := obsOf(3, nil); o.ScheduledMin = 6; return o }(), want: 6, wantCode: CodeScheduledMin},
		{name: "alert load used when the source has none", spec: specFrom(nil),
			obs: Observation{Replicas: 2, Available: 2, Signal: &Signal{Status: Firing, Load: ptr(200)}}, want: 5, wantCode: CodeBurst},
		{name: "alert load of another scaling type is not used", spec: specFrom(nil),
			obs:  Observation{Replicas: 2, Available: 2, Signal: &Signal{Status: Firing, Load: ptr(200), ScalingType: "capacity"}},
			want: 2, wantCode: CodeNoData},
		{name: "alert load of the function's type is used", spec: specFrom(nil),
			obs:  Observation{Replicas: 2, Available: 2, Signal: &Signal{Status: Firing, Load: ptr(200), ScalingType: "rps"}},
			want: 5, wantCode: CodeBurst},
		{name: "a firing alert's load is burst evidence", spec: specFrom(nil),
			obs: Observation{Replicas: 1, Available: 1, StableLoad: ptr(8), BurstLoad: ptr(60), BurstWindow: 10 * time.Second,
				Signal: &Signal{Status: Firing, Load: ptr(157), ScalingType: "rps"}}, want: 4, wantCode: CodeBurst},
		{name: "a resolved alert's stale load is not burst evidence", spec: specFrom(nil),
			obs: Observation{Replicas: 1, Available: 1, StableLoad: ptr(8), BurstLoad: ptr(40), BurstWindow: 10 * time.Second,
				Signal: &Signal{Status: Resolved, Load: ptr(157), ScalingType: "rps"}}, want: 1, wantCode: CodeSteady},
		{name: "at zero without load stays zero", spec: specFrom(nil), obs: obsOf(0, ptr(0)), want: 0, wantCode: CodeAtZeroIdle},
		{name: "at zero with missing load stays zero", spec: specFrom(nil), obs: obsOf(0, nil), want: 0, wantCode: CodeAtZeroIdle},
		{name: "at zero with a resolved alert stays zero", spec: specFrom(nil),
			obs: Observation{Signal: &Signal{Status: Resolved}}, want: 0, wantCode: CodeAtZeroIdle},
		{name: "from zero sized by load, no rate limit", spec: specFrom(nil), obs: obsOf(0, ptr(400)), want: 9, wantCode: CodeFromZero},
		{name: "from zero with a firing alert and no load", spec: specFrom(nil),
			obs: Observation{Signal: &Signal{Status: Firing, AlertName: "FunctionNeedsCapacity"}}, want: 1, wantCode: CodeFromZero},
		{name: "from zero at least min", spec: specFrom(func(s *Spec) { s.Min = 3 }), obs: obsOf(0, ptr(1)), want: 3, wantCode: CodeFromZero},
		{name: "from zero min 0 at least 1", spec: specFrom(func(s *Spec) { s.Min = 0 }), obs: obsOf(0, ptr(0.1)), want: 1, wantCode: CodeFromZero},
		{name: "from zero capped at max", spec: specFrom(func(s *Spec) { s.Max = 4 }), obs: obsOf(0, ptr(4000)), want: 4, wantCode: CodeFromZero},
		{name: "at zero with a scheduled minimum", spec: specFrom(nil),
			obs: func() Observation { o := obsOf(0, ptr(0)); o.ScheduledMin = 2; return o }(), want: 2, wantCode: CodeScheduledMin},
		{name: "static never scaled", spec: specFrom(func(s *Spec) { s.Min, s.Max = 3, 3 }), obs: obsOf(5, ptr(9000)),
			want: 5, wantCode: CodeStatic},
		{name: "burst scales at once past the rate limit", spec: specFrom(nil),
			obs: Observation{Replicas: 2, Available: 2, StableLoad: ptr(100), BurstLoad: ptr(450)}, want: 10, wantCode: CodeBurst},
		{name: "burst below threshold scales up on the short window, without burst mode", spec: specFrom(nil),
			obs: Observation{Replicas: 2, Available: 2, StableLoad: ptr(100), BurstLoad: ptr(170)}, want: 4, wantCode: CodeScaleUp},
		{name: "a short-window load below the stable one never scales down", spec: specFrom(nil),
			obs: Observation{Replicas: 3, Available: 3, StableLoad: ptr(100), BurstLoad: ptr(10)}, want: 3, wantCode: CodeSteady},
		{name: "burst capped at max", spec: specFrom(nil),
			obs: Observation{Replicas: 2, Available: 2, StableLoad: ptr(100), BurstLoad: ptr(9000)}, want: 20, wantCode: CodeAtMax},
		{name: "burst mode holds replicas when load falls", spec: specFrom(nil), obs: obsOf(10, ptr(45)),
			st: State{BurstSince: t0.Add(-20 * time.Second), BurstCrossed: t0.Add(-20 * time.Second)}, want: 10, wantCode: CodeBurst},
		{name: "burst mode ends after a stable window without crossing", spec: specFrom(nil), obs: obsOf(10, ptr(200)),
			st: State{BurstSince: t0.Add(-2 * time.Minute), BurstCrossed: t0.Add(-61 * time.Second)}, want: 5, wantCode: CodeScaleDown},
		// OpenFaaS Pro documentation examples of the formula.
		{name: "docs: capacity target 5, 15 in flight → 3", spec: specFrom(func(s *Spec) { s.Type, s.Target, s.TargetProportion = "capacity", 5, 1 }),
			obs: Observation{Replicas: 1, Available: 1, StableLoad: ptr(15)}, want: 3, wantCode: CodeScaleUp},
		{name: "docs: 25 in flight on 3 pods → 5", spec: specFrom(func(s *Spec) { s.Type, s.Target, s.TargetProportion = "capacity", 5, 1 }),
			obs: Observation{Replicas: 3, Available: 3, StableLoad: ptr(25)}, want: 5, wantCode: CodeScaleUp},
		{name: "docs: target 100 × 0.7, 90 in flight → 2", spec: specFrom(func(s *Spec) { s.Type, s.Target, s.TargetProportion = "capacity", 100, 0.7 }),
			obs: Observation{Replicas: 1, Available: 1, StableLoad: ptr(90)}, want: 2, wantCode: CodeScaleUp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.spec, tc.obs, tc.st, t0)
			if d.Replicas != tc.want || d.Code != tc.wantCode {
				t.Errorf("Decide = %d (%s), want %d (%s); reason: %s", d.Replicas, d.Code, tc.want, tc.wantCode, d.Reason)
			}
			if d.Current != tc.obs.Replicas || d.Scale != (d.Replicas != tc.obs.Replicas) {
				t.Errorf("Current %d Scale %v inconsistent with %d → %d", d.Current, d.Scale, tc.obs.Replicas, d.Replicas)
			}
			if !strings.Contains(d.Reason, fmt.Sprint(d.Replicas)) {
				t.Errorf("reason %q should give the count %d", d.Reason, d.Replicas)
			}
		})
	}
}

func TestDecideReasonHasTheNumbers(t *testing.T) {
	d := Decide(specFrom(nil), Observation{Replicas: 8, Available: 8, StableLoad: ptr(412), StableWindow: time.Minute}, State{}, t0)
	for _, want := range []string{"rps", "412", "50×0.9", "8 ready", "→ 10"} {
		if !strings.Contains(d.Reason, want) {
			t.Errorf("reason %q lacks %q", d.Reason, want)
		}
	}
}

func TestDecideRecordsRecommendationsWithinTheWindow(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.DownWindow = time.Minute })
	var st State
	for i := range 10 {
		d := Decide(spec, obsOf(5, ptr(float64(100+i))), st, t0.Add(time.Duration(i)*20*time.Second))
		st = d.Next
	}
	// 20 s apart over a 1 m window: the newest 4 (60 s span inclusive).
	if n := len(st.Recommendations); n != 4 {
		t.Fatalf("kept %d recommendations, want 4: %+v", n, st.Recommendations)
	}
	if first := st.Recommendations[0].At; first != InstantOf(t0.Add(120*time.Second)) {
		t.Errorf("oldest kept at %v, want %v", first, t0.Add(120*time.Second))
	}
}

func TestDecideDoesNotAliasState(t *testing.T) {
	spec := specFrom(nil)
	st := State{Recommendations: make([]Recommendation, 1, 8)}
	st.Recommendations[0] = Recommendation{At: InstantOf(t0), Replicas: 7}
	a := Decide(spec, obsOf(5, ptr(100)), st, t0.Add(time.Second))
	b := Decide(spec, obsOf(5, ptr(400)), st, t0.Add(time.Second))
	if a.Next.Recommendations[1].Replicas == b.Next.Recommendations[1].Replicas {
		t.Fatalf("two decisions from one state share a backing array: %+v %+v", a.Next, b.Next)
	}
}

// TestZeroRecommendationsAreNotKept: a zero never binds (the window's
// highest is a maximum), so a function idle past its down window keeps an
// empty history, which is what lets its ticks repeat (repeat, timeless).
// Seen failing with record appending every recommendation.
func TestZeroRecommendationsAreNotKept(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.DownWindow = time.Minute })
	st := State{Recommendations: []Recommendation{{At: InstantOf(t0), Replicas: 4}}}
	d := Decide(spec, obsOf(4, ptr(0)), st, t0.Add(30*time.Second))
	if got := d.Next.Recommendations; len(got) != 1 || got[0].Replicas != 4 {
		t.Fatalf("inside the window: kept %+v, want the 4 alone", got)
	}
	if d.Code != CodeStabilising || d.Replicas != 4 {
		t.Errorf("inside the window: %s %d, want stabilising at 4", d.Code, d.Replicas)
	}
	d = Decide(spec, obsOf(4, ptr(0)), d.Next, t0.Add(61*time.Second))
	if got := d.Next.Recommendations; len(got) != 0 {
		t.Fatalf("past the window: kept %+v, want none", got)
	}
	if d.Code == CodeStabilising || d.Replicas >= 4 {
		t.Errorf("past the window: %s %d, want a scale-down", d.Code, d.Replicas)
	}
}

// TestShortenedHistoryNeverWritesTheStateItCameFrom: a history record only
// shortened is a suffix of the state's; keepBinding must not drop entries
// in place there. Seen failing with keepBinding's alias check on the first
// entry alone.
func TestShortenedHistoryNeverWritesTheStateItCameFrom(t *testing.T) {
	// Not a list keepBinding keeps (3 is dominated by the later 4): a state
	// from elsewhere (a restore) need not be.
	prev := []Recommendation{
		{At: InstantOf(t0), Replicas: 5},
		{At: InstantOf(t0.Add(10 * time.Second)), Replicas: 3},
		{At: InstantOf(t0.Add(20 * time.Second)), Replicas: 4},
	}
	was := slices.Clone(prev)
	next := record(prev, Recommendation{At: InstantOf(t0.Add(65 * time.Second))}, time.Minute)
	if len(next) != 2 || next[0] != was[1] {
		t.Fatalf("record kept %+v, want the last two", next)
	}
	kept := keepBinding(next, prev)
	if !slices.Equal(prev, was) {
		t.Fatalf("the state's history was written: %+v, was %+v", prev, was)
	}
	if len(kept) != 1 || kept[0] != was[2] {
		t.Errorf("kept %+v, want the 4 alone", kept)
	}
}
