package sim

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// FunctionResult is what one policy did to one function.
type FunctionResult struct {
	ID          string
	Invocations uint64
	// ColdStarts counts requests that waited for a replica to start
	// (including requests never served before the end of the replay).
	ColdStarts uint64
	// Unserved counts requests still waiting when the replay ended.
	Unserved uint64
	// IdleReplicaSeconds is ∫ ready replicas serving nothing dt.
	IdleReplicaSeconds float64
	// ReplicaSeconds is ∫ (ready + starting) replicas dt.
	ReplicaSeconds       float64
	ScaleUps, ScaleDowns int
	Waits                Histogram
}

// ColdRatio is cold starts per invocation (NaN without invocations).
func (f *FunctionResult) ColdRatio() float64 {
	if f.Invocations == 0 {
		return math.NaN()
	}
	return float64(f.ColdStarts) / float64(f.Invocations)
}

// TimelinePoint is the recorded function's state after a change.
type TimelinePoint struct {
	T       float64 `json:"t"` // seconds since the trace start
	Desired int     `json:"desired"`
	Ready   int     `json:"ready"`
	Load    int     `json:"load"` // in-flight + queued requests
}

// Result is one policy's outcome over the whole trace.
type Result struct {
	Policy      string  `json:"policy"`
	Invocations uint64  `json:"invocations"`
	ColdStarts  uint64  `json:"cold_starts"`
	Unserved    uint64  `json:"unserved"`
	ColdRatio   float64 `json:"cold_start_ratio"`
	// P75ColdRatio is the cold-start ratio of the function at the 75th
	// percentile of per-function ratios (Shahrad et al.'s third-quartile app).
	P75ColdRatio       float64 `json:"p75_function_cold_start_ratio"`
	IdleReplicaSeconds float64 `json:"idle_replica_seconds"`
	// IdleNormalised is IdleReplicaSeconds over the baseline policy's (NaN
	// when the baseline was not run).
	IdleNormalised float64          `json:"idle_normalised"`
	ReplicaSeconds float64          `json:"replica_seconds"`
	WaitP50        float64          `json:"wait_p50_seconds"`
	WaitP99        float64          `json:"wait_p99_seconds"`
	WaitMax        float64          `json:"wait_max_seconds"`
	ScaleEvents    int              `json:"scale_events"`
	Wall           time.Duration    `json:"-"`
	Functions      []FunctionResult `json:"-"`
	Timeline       []TimelinePoint  `json:"timeline,omitempty"`
}

// summarise fills the aggregate fields from Functions.
func (r *Result) summarise() {
	var waits Histogram
	var ratios []float64
	r.Invocations, r.ColdStarts, r.Unserved, r.ScaleEvents = 0, 0, 0, 0
	r.IdleReplicaSeconds, r.ReplicaSeconds = 0, 0
	for i := range r.Functions {
		f := &r.Functions[i]
		r.Invocations += f.Invocations
		r.ColdStarts += f.ColdStarts
		r.Unserved += f.Unserved
		r.IdleReplicaSeconds += f.IdleReplicaSeconds
		r.ReplicaSeconds += f.ReplicaSeconds
		r.ScaleEvents += f.ScaleUps + f.ScaleDowns
		waits.Merge(&f.Waits)
		if f.Invocations > 0 {
			ratios = append(ratios, f.ColdRatio())
		}
	}
	r.ColdRatio = math.NaN()
	if r.Invocations > 0 {
		r.ColdRatio = float64(r.ColdStarts) / float64(r.Invocations)
	}
	r.P75ColdRatio = Percentile(ratios, 0.75)
	r.WaitP50, r.WaitP99, r.WaitMax = waits.Quantile(0.5), waits.Quantile(0.99), waits.Max()
	r.IdleNormalised = math.NaN()
}

// Percentile is the nearest-rank q-percentile of xs (NaN when empty).
func Percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	k := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(k, len(s)-1))]
}

// Normalise sets IdleNormalised of every result relative to the one named
// baseline; it reports whether the baseline was found.
func Normalise(rs []Result, baseline string) bool {
	for _, b := range rs {
		if b.Policy == baseline && b.IdleReplicaSeconds > 0 {
			for i := range rs {
				rs[i].IdleNormalised = rs[i].IdleReplicaSeconds / b.IdleReplicaSeconds
			}
			return true
		}
	}
	return false
}

// Summary is a Result without per-function detail or wall time, with floats
// rounded so that it is stable in golden files and readable in JSON.
type Summary struct {
	Policy          string  `json:"policy"`
	Invocations     uint64  `json:"invocations"`
	ColdStarts      uint64  `json:"cold_starts"`
	Unserved        uint64  `json:"unserved"`
	ColdRatio       float64 `json:"cold_start_ratio"`
	P75ColdRatio    float64 `json:"p75_function_cold_start_ratio"`
	IdleReplicaSec  float64 `json:"idle_replica_seconds"`
	IdleNormalised  float64 `json:"idle_normalised"` // over the document's baseline (UnmarshalJSON)
	TotalReplicaSec float64 `json:"replica_seconds"`
	WaitP50         float64 `json:"wait_p50_seconds"`
	WaitP99         float64 `json:"wait_p99_seconds"`
	WaitMax         float64 `json:"wait_max_seconds"`
	ScaleEvents     int     `json:"scale_events"`
	TimelinePoints  int     `json:"timeline_points,omitempty"`
}

// UnmarshalJSON reads a Summary, and the ratio written by sessions before
// 50 as idle_normalised_to_fixed_10m. The key named fixed-10m whatever the
// baseline: `sim --baseline fixed-1h --json` labelled its ratios as to
// fixed-10m (a review's finding); idle_normalised is read with the
// document's baseline.
func (s *Summary) UnmarshalJSON(b []byte) error {
	type plain Summary // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var keys struct {
		New *float64 `json:"idle_normalised"`
		Old *float64 `json:"idle_normalised_to_fixed_10m"`
	}
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	if keys.New == nil && keys.Old != nil {
		p.IdleNormalised = *keys.Old
	}
	*s = Summary(p)
	return nil
}

// Summaries turns results into summaries (NaN becomes -1: JSON has no NaN).
func Summaries(rs []Result) []Summary {
	out := make([]Summary, len(rs))
	for i, r := range rs {
		out[i] = Summary{Policy: r.Policy, Invocations: r.Invocations, ColdStarts: r.ColdStarts, Unserved: r.Unserved,
			ColdRatio: round(r.ColdRatio, 6), P75ColdRatio: round(r.P75ColdRatio, 6),
			IdleReplicaSec: round(r.IdleReplicaSeconds, 1), IdleNormalised: round(r.IdleNormalised, 4),
			TotalReplicaSec: round(r.ReplicaSeconds, 1), WaitP50: round(r.WaitP50, 4), WaitP99: round(r.WaitP99, 4),
			WaitMax: round(r.WaitMax, 4), ScaleEvents: r.ScaleEvents, TimelinePoints: len(r.Timeline)}
	}
	return out
}

func round(x float64, digits int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return -1
	}
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
