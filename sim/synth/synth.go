package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// Prefix marks a synthetic trace where a trace folder is expected:
// "synth:NAME" or "synth:NAME@SEED".
const Prefix = "synth:"

// Spec names one synthetic trace.
type Spec struct {
	Kind      Kind
	Seed      uint64
	Functions int
	Minutes   int
}

// DefaultFunctions and DefaultMinutes are the size of a generated trace: a
// day, like the Azure samples, with few enough functions that
// faas-autoscaler's fleet replay of one stays a few seconds of CPU.
const (
	DefaultFunctions = 40
	DefaultMinutes   = 1440
)

// Kind is a workload shape.
type Kind string

const (
	// Timers fire every 1–60 min (periods from Azure's common cron
	// schedules), each firing a minute late or early with probability 0.2
	// and skipped with probability 0.02.
	Timers Kind = "timers"
	// Diurnal is Poisson arrivals at a rate following one sine cycle a day
	// (peak at a per-function hour), mean 0.02–20 per minute (log-uniform).
	Diurnal Kind = "diurnal"
	// Rare is functions called once to thrice after idle times drawn from a
	// Pareto law (shape 1.1–1.8, scale 5–60 min): mostly short gaps, now and
	// then one of many hours, the case a fixed keep-alive wastes most on.
	Rare Kind = "rare"
	// Bursty alternates on periods (mean 2–20 min, 5–300 calls a minute)
	// with off periods (mean 30–240 min), both exponential.
	Bursty Kind = "bursty"
)

// Kinds lists every shape, in the order the evaluation shows them.
var Kinds = []Kind{Timers, Diurnal, Rare, Bursty}

// ParseSpec reads "synth:NAME[@SEED]" (seed 1 by default) at the default size.
func ParseSpec(s string) (Spec, error) {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return Spec{}, fmt.Errorf("%q: a synthetic trace is %sNAME[@SEED]", s, Prefix)
	}
	name, seedText, hasSeed := strings.Cut(rest, "@")
	sp := Spec{Kind: Kind(name), Seed: 1, Functions: DefaultFunctions, Minutes: DefaultMinutes}
	if !slices.Contains(Kinds, sp.Kind) {
		return Spec{}, fmt.Errorf("%q: unknown synthetic trace %q (known: %s)", s, name, kindList())
	}
	if hasSeed {
		v, err := strconv.ParseUint(seedText, 10, 64)
		if err != nil {
			return Spec{}, fmt.Errorf("%q: seed %q is not a non-negative integer", s, seedText)
		}
		sp.Seed = v
	}
	return sp, nil
}

func kindList() string {
	var s []string
	for _, k := range Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// String is the spec as ParseSpec reads it (size aside).
func (sp Spec) String() string { return fmt.Sprintf("%s%s@%d", Prefix, sp.Kind, sp.Seed) }

// Generate builds the trace. Each function draws from its own generator
// (seed, function index), so a function does not change when the trace gets
// more functions.
func Generate(sp Spec) (*trace.Trace, error) {
	if !slices.Contains(Kinds, sp.Kind) {
		return nil, fmt.Errorf("synthetic trace %q: unknown (known: %s)", sp.Kind, kindList())
	}
	if sp.Functions < 1 || sp.Minutes < 1 {
		return nil, fmt.Errorf("synthetic trace %s: functions = %d and minutes = %d, must be at least 1", sp, sp.Functions, sp.Minutes)
	}
	tr := &trace.Trace{Dir: sp.String(), Format: trace.Synthetic, Minutes: sp.Minutes, Functions: make([]trace.Function, sp.Functions)}
	for i := range tr.Functions {
		rng := rand.New(rand.NewPCG(sp.Seed, uint64(i)*0x9E3779B97F4A7C15+uint64(len(sp.Kind))))
		f := &tr.Functions[i]
		id := fmt.Sprintf("%s-%03d", sp.Kind, i)
		f.ID, f.App, f.Owner = id, id, "synth"
		f.PerMinute = make([]uint32, sp.Minutes)
		switch sp.Kind {
		case Timers:
			f.Trigger = "timer"
			timers(rng, f.PerMinute)
		case Diurnal:
			f.Trigger = "http"
			diurnal(rng, f.PerMinute)
		case Rare:
			f.Trigger = "http"
			rare(rng, f.PerMinute)
		case Bursty:
			f.Trigger = "queue"
			bursty(rng, f.PerMinute)
		}
		d := durations(rng)
		f.Duration = &d
		f.MemoryMB = float64(int(128) << rng.IntN(4)) // 128, 256, 512 or 1024 MB
	}
	return tr, nil
}

// timerPeriods are cron periods in minutes.
var timerPeriods = []int{1, 2, 5, 10, 15, 30, 60}

func timers(rng *rand.Rand, pm []uint32) {
	period := timerPeriods[rng.IntN(len(timerPeriods))]
	// From one period before the day to its last minute's next: a firing
	// due just outside the day that runs a minute early or late falls in
	// its first or last minute, as on a real day (without them those
	// minutes held a tenth fewer calls than any other).
	for t := rng.IntN(period) - period; t <= len(pm); t += period {
		if rng.Float64() < 0.02 {
			continue
		}
		m := t
		if rng.Float64() < 0.2 {
			m += 2*rng.IntN(2) - 1
		}
		if m >= 0 && m < len(pm) {
			pm[m]++
		}
	}
}

func diurnal(rng *rand.Rand, pm []uint32) {
	mean := math.Exp(math.Log(0.02) + rng.Float64()*math.Log(20/0.02))
	peak := rng.Float64() * 1440
	for t := range pm {
		rate := mean * (1 + 0.9*math.Cos(2*math.Pi*(float64(t)-peak)/1440))
		pm[t] = poisson(rng, rate)
	}
}

func rare(rng *rand.Rand, pm []uint32) {
	shape := 1.1 + 0.7*rng.Float64()
	scale := 5 + 55*rng.Float64()
	for t := int(scale * rng.Float64()); t < len(pm); {
		pm[t] += uint32(1 + rng.IntN(3))
		// Pareto by inversion: scale / U^(1/shape), at least a minute on.
		gap := scale / math.Pow(1-rng.Float64(), 1/shape)
		t += max(1, int(gap))
	}
}

func bursty(rng *rand.Rand, pm []uint32) {
	onMean := 2 + 18*rng.Float64()
	offMean := 30 + 210*rng.Float64()
	rate := 5 + 295*rng.Float64()
	t := int(rng.ExpFloat64() * offMean)
	for t < len(pm) {
		end := t + 1 + int(rng.ExpFloat64()*onMean)
		for ; t < end && t < len(pm); t++ {
			pm[t] = poisson(rng, rate)
		}
		t += 1 + int(rng.ExpFloat64()*offMean)
	}
}

// poisson draws a Poisson count: by multiplication below 30, else by the
// normal approximation (its error there is far below the trace's noise).
func poisson(rng *rand.Rand, mean float64) uint32 {
	if mean <= 0 {
		return 0
	}
	if mean >= 30 {
		return uint32(max(0, math.Round(mean+math.Sqrt(mean)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), uint32(0), 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// durations gives a function a log-normal-like execution time: a median of
// 20 ms–2 s and a spread that widens to the right, as Azure's do.
func durations(rng *rand.Rand) trace.Durations {
	med := math.Exp(math.Log(20) + rng.Float64()*math.Log(100))
	spread := 1.5 + 2*rng.Float64()
	d := trace.Durations{Count: 1}
	for k, q := range trace.PctLevels {
		z := math.Max(-3, math.Min(3, normalQuantile(q)))
		d.Pct[k] = math.Round(med*math.Pow(spread, z)*1000) / 1000
	}
	d.MinMs, d.MaxMs = d.Pct[0], d.Pct[6]
	// The mean of what the replay draws (Durations.Sample: linear between
	// the percentiles), the Azure layout's Average: it was the median,
	// which --write-trace wrote as the average, 1.5–3.5× under the mean of
	// a distribution widening to the right (a review's finding).
	for k := 1; k < len(trace.PctLevels); k++ {
		d.AverageMs += (trace.PctLevels[k] - trace.PctLevels[k-1]) * (d.Pct[k-1] + d.Pct[k]) / 2
	}
	d.AverageMs = math.Round(d.AverageMs*1000) / 1000
	return d
}

// normalQuantile is the standard normal quantile of q, clamped to ±3 at the
// ends (the percentile table only needs 0, 1, 25, 50, 75, 99, 100).
func normalQuantile(q float64) float64 {
	switch {
	case q <= 0:
		return -3
	case q >= 1:
		return 3
	}
	return math.Sqrt2 * math.Erfinv(2*q-1)
}

// Open resolves a trace argument: "synth:NAME[@SEED]" generates that trace,
// anything else is a trace folder for trace.Load.
func Open(arg string) (*trace.Trace, error) {
	if !strings.HasPrefix(arg, Prefix) {
		return trace.Load(arg)
	}
	sp, err := ParseSpec(arg)
	if err != nil {
		return nil, err
	}
	return Generate(sp)
}
