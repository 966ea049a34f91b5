package scaler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestWordsAreFmts: each reason's words put together by appending are the
// fmt.Sprintf they replace, over random values, huge and tiny ones, zeros
// and infinities.
func TestWordsAreFmts(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	float := func() float64 {
		switch rng.IntN(8) {
		case 0:
			return 0
		case 1:
			return math.Inf(1)
		case 2:
			return float64(rng.IntN(100))
		case 3:
			return rng.Float64() * 1e-7
		case 4:
			return rng.Float64() * 1e12
		}
		return rng.Float64() * 100
	}
	count := func() uint64 {
		if rng.IntN(4) == 0 {
			return rng.Uint64()
		}
		return uint64(rng.IntN(1000))
	}
	dur := func() time.Duration { return time.Duration(rng.Int64N(int64(2 * time.Hour))) }
	parts := []metricsource.Part{metricsource.PartUnknown, metricsource.PartGauge, metricsource.PartArrivals}
	same := func(got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	for range 20000 {
		tg, p, load, c := float(), float(), float(), float()
		rec, cur, h, hi := count(), count(), count(), count()
		w := dur()
		part := parts[rng.IntN(len(parts))]
		typ := []string{"capacity", "rps", "queue"}[rng.IntN(3)]
		target := fmt.Sprintf("target %g×%.6g", tg, p)
		same(targetWords(tg, p), target)
		src := fmt.Sprintf(" (%v peak%s)", w, partWords(part))
		same(windowSourceWords(w, true, part), src)
		same(windowSourceWords(w, false, part), fmt.Sprintf(" (%v avg)", w))
		head := fmt.Sprintf("%s %.4g%s over %s on %d ready", typ, load, src, target, cur)
		same(headWords(typ, load, src, target, cur), head)
		same(steadyWords(head, rec, cur), fmt.Sprintf("%s needs %d → keep %d", head, rec, cur))
		same(toWords(head, rec), fmt.Sprintf("%s → %d", head, rec))
		same(stabilisingWords(head, rec, w, h, hi), fmt.Sprintf("%s wants %d; highest in the %v window is %d → %d", head, rec, w, h, hi))
		same(toleranceWords(head, p*100, cur, c), fmt.Sprintf("%s: within ±%.6g%% of %d replicas' capacity %.4g → keep %d", head, p*100, cur, c, cur))
		same(minWords(rec), fmt.Sprintf("min %d", rec))
	}
}
