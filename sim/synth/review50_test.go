package synth

import (
	"math"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestReview50AverageIsTheMean: a generated function's execution times are
// log-normal-like, "a spread that widens to the right" (durations): their
// mean is above their median. The Average column `--write-trace` writes
// (the Azure 2019 layout's AverageMs: the mean execution time) must be a
// mean of that distribution — the log-normal's median·exp(σ²/2), or the mean
// of the percentile table the replay samples from (Durations.Sample) — not
// the median, which understates it by up to 2–3.5× at the widest spreads.
func TestReview50AverageIsTheMean(t *testing.T) {
	tr, err := Generate(Spec{Kind: Diurnal, Seed: 1, Functions: 8, Minutes: 10})
	if err != nil {
		t.Fatal(err)
	}
	z75 := math.Sqrt2 * math.Erfinv(0.5)
	for _, f := range tr.Functions {
		d := f.Duration
		// The mean of what Durations.Sample draws: its quantile function is
		// linear between the published percentiles.
		var sampled float64
		for k := 1; k < len(trace.PctLevels); k++ {
			sampled += (d.Pct[k-1] + d.Pct[k]) / 2 * (trace.PctLevels[k] - trace.PctLevels[k-1])
		}
		sigma := math.Log(d.Pct[4]/d.Pct[3]) / z75
		lognormal := d.Pct[3] * math.Exp(sigma*sigma/2)
		lo, hi := 0.99*min(sampled, lognormal), 1.01*max(sampled, lognormal)
		if d.AverageMs < lo || d.AverageMs > hi {
			t.Errorf("%s: average %.3f ms, median %.3f ms; want a mean of the distribution, %.3f..%.3f ms",
				f.ID, d.AverageMs, d.Pct[3], lo/0.99, hi/1.01)
		}
	}
}
