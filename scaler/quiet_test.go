package scaler

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestQuietDecisionsAreTheLoudOnesWithoutWords walks Decide through random
// runs of every mode (target types, step, exact CE, static, clamps,
// scheduled minimums, missing data, alerts) and checks, at every step, that
// the quiet decision the loop's passes make is the full decision with its
// reason left out, and that keeping only the binding recommendations
// (keepBinding) never changes a later decision.
func TestQuietDecisionsAreTheLoudOnesWithoutWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	specs := []Spec{
		specFrom(nil),
		specFrom(func(s *Spec) { s.Min, s.Max = 2, 6 }),
		specFrom(func(s *Spec) { s.Min, s.Max = 0, 3; s.DownWindow = 30 * time.Second }),
		specFrom(func(s *Spec) { s.Type = metricsource.TypeQueue; s.Target = 10 }),
		specFrom(func(s *Spec) { s.Min, s.Max = 4, 4 }),
		stepSpec(nil),
		stepSpec(func(s *Spec) { s.ExactCE = true }),
	}
	for si, spec := range specs {
		var loud, packed State // packed keeps only the binding recommendations, as the loop does
		replicas := uint64(1 + rng.IntN(5))
		now := t0
		for i := range 400 {
			obs := Observation{Replicas: replicas, Available: replicas, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
			if rng.IntN(10) > 0 { // sometimes missing
				v := float64(rng.IntN(8)) * 30 * rng.Float64()
				obs.StableLoad = &v
				b := v * (0.5 + rng.Float64())
				if rng.IntN(20) == 0 {
					b *= 8 // a burst
				}
				obs.BurstLoad = &b
			}
			if rng.IntN(15) == 0 {
				obs.ScheduledMin = uint64(rng.IntN(4))
				obs.ScheduledMinReason = "office hours"
			}
			switch rng.IntN(25) {
			case 0:
				l := 400.0
				obs.Signal = &Signal{Status: Firing, AlertName: "high", Fingerprint: "f", StartsAt: now.Add(-time.Minute), Load: &l}
			case 1:
				obs.Signal = &Signal{Status: Resolved, AlertName: "high", Fingerprint: "f", StartsAt: now.Add(-time.Minute)}
			}
			q := obs
			q.quiet = true
			want := Decide(spec, obs, loud, now)
			got := Decide(spec, q, loud, now)
			if want.Reason == "" {
				t.Fatalf("spec %d step %d: a full decision without words: %+v", si, i, want)
			}
			got.Reason = want.Reason
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("spec %d step %d: quiet decision differs:\nquiet %+v\nloud  %+v", si, i, got, want)
			}
			p := Decide(spec, obs, packed, now)
			if p.Replicas != want.Replicas || p.Code != want.Code || p.Reason != want.Reason {
				t.Fatalf("spec %d step %d: with only the binding recommendations %d (%s: %s), with all %d (%s: %s)",
					si, i, p.Replicas, p.Code, p.Reason, want.Replicas, want.Code, want.Reason)
			}
			loud = want.Next
			packed = p.Next
			packed.Recommendations = keepBinding(p.Next.Recommendations, nil)
			replicas = want.Replicas
			if rng.IntN(30) == 0 {
				replicas = uint64(rng.IntN(8)) // someone else scaled it
			}
			now = now.Add(tickEvery)
		}
	}
}

func TestKeepBindingDropsOnlyDominated(t *testing.T) {
	at := func(s int) Instant { return InstantOf(t0.Add(time.Duration(s) * time.Second)) }
	in := []Recommendation{
		{At: at(0), Replicas: 5},
		{At: at(5), Replicas: 3},
		{At: at(10), Replicas: 4},                   // as high or higher and later: drops the 3
		{At: at(15), Replicas: 9, Expires: at(60)},  // an alert's, which expires: cannot drop the 4 or the 5
		{At: at(20), Replicas: 4},                   // the 9 above it is not its to drop; the 4 under the 9 stays (harmless)
		{At: at(25), Replicas: 2, Expires: at(300)}, // lower: drops nothing
		{At: at(30), Replicas: 4},                   // drops the 2 and the 4 at 20s
	}
	prev := slices.Clone(in)
	got := keepBinding(slices.Clone(in), prev)
	want := []Recommendation{in[0], in[2], in[3], in[6]}
	if !slices.Equal(got, want) {
		t.Errorf("kept %+v\nwant %+v", got, want)
	}
	shared := slices.Clone(in)
	_ = keepBinding(shared, shared)
	if !slices.Equal(shared, in) {
		t.Errorf("wrote over the list the decision was made from: %+v", shared)
	}
}
