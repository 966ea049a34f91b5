package sim

import "math"

// Histogram counts request waits in logarithmic buckets (5 % wide, from 1 ms
// to about 10^5 s) plus an exact count of zero waits, which is most requests.
// It is mergeable, so per-function results add up to a policy's result
// without keeping 2M samples per policy.
//
// Each bucket keeps its largest wait (BucketMax), and a quantile is the
// largest wait of its bucket: exact where the waits of a bucket are one
// value (a cold start of exactly --cold-start, the commonest non-zero
// wait), at most 5 % high otherwise. The quantile was the bucket's upper
// edge capped at the largest wait of all, so two policies with the same p99
// read differently: 2.000 s for one that never waited longer than the cold
// start, 2.021 s for one with a single longer wait anywhere — a bias against
// the longer tail in the verdict's "wait p99 ≤ baseline + 0.5 s".
type Histogram struct {
	Zero      uint64
	Buckets   [histBuckets]uint64
	BucketMax [histBuckets]float64
}

const (
	histMin     = 0.001
	histGrowth  = 1.05
	histBuckets = 380
)

var logGrowth = math.Log(histGrowth)

// Add records one wait in seconds.
func (h *Histogram) Add(s float64) {
	if s <= 0 {
		h.Zero++
		return
	}
	i := 0
	if s > histMin {
		i = int(math.Log(s/histMin)/logGrowth) + 1
	}
	if i >= histBuckets {
		i = histBuckets - 1
	}
	h.Buckets[i]++
	if s > h.BucketMax[i] {
		h.BucketMax[i] = s
	}
}

// Merge adds o into h.
func (h *Histogram) Merge(o *Histogram) {
	h.Zero += o.Zero
	for i := range h.Buckets {
		h.Buckets[i] += o.Buckets[i]
		h.BucketMax[i] = math.Max(h.BucketMax[i], o.BucketMax[i])
	}
}

// Max is the largest recorded wait (0 with none above 0): the largest wait
// of the highest bucket holding any, which the buckets keep already.
func (h *Histogram) Max() float64 {
	for i := histBuckets - 1; i >= 0; i-- {
		if h.Buckets[i] > 0 {
			return h.BucketMax[i]
		}
	}
	return 0
}

// Count is the number of recorded waits.
func (h *Histogram) Count() uint64 {
	n := h.Zero
	for _, c := range h.Buckets {
		n += c
	}
	return n
}

// Quantile returns the q-quantile in seconds: 0 when it falls on a zero wait,
// else the largest wait of its bucket (at most 5 % high).
func (h *Histogram) Quantile(q float64) float64 {
	n := h.Count()
	if n == 0 {
		return math.NaN()
	}
	rank := uint64(math.Ceil(q * float64(n)))
	if rank < 1 {
		rank = 1
	}
	if rank <= h.Zero {
		return 0
	}
	seen := h.Zero
	for i, c := range h.Buckets {
		seen += c
		if seen >= rank {
			return h.BucketMax[i]
		}
	}
	return h.Max() // not reached: the buckets hold every wait above 0
}
