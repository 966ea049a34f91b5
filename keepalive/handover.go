package keepalive

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The hand-over from the rebuild at a start to the feeder's first read.
//
// The first read reads back over the rebuild's last steps (Feeder.ReadsFrom:
// a scrape stamped before the rebuild's end and appended after the rebuild
// read it would otherwise be in neither). A call the rebuild counted there
// was counted again, as a call of the same busy stretch (it ends no idle
// time twice): one call more of busy time for every function called in the
// minute before each restart, which moved the rate a rare function's cold
// start is priced at by about a tenth a restart (a review's finding). The
// rebuild hands its counts of those steps over; the first read counts only
// the calls beyond them (a late scrape's among them), and drops the rest.
// What is held is one count per function called in those steps, and only
// until the first read.

// beginHandover starts a hand-over for a rebuild ending at end at steps of
// step, and returns the time after which a step's end is in the span the
// feeder's first read reads again: the longer of the rebuild's step and the
// feeder's (ReadsFrom), less half a step, since Prometheus' step times are
// rounded to the millisecond.
func (p *Policy) beginHandover(end time.Time, step time.Duration) model.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handover = nil
	span := max(step, p.feederStep)
	return model.TimeFromUnixNano(end.Add(-span + step/2).UnixNano())
}

// handOver adds k calls of ref to the hand-over.
func (p *Policy) handOver(ref provider.Ref, k int) {
	if k <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.handover == nil {
		p.handover = make(map[provider.Ref]int32)
	}
	p.handover[ref] = int32(min(int64(p.handover[ref])+int64(k), 1<<31-1))
}

// takeHandover returns the hand-over and ends it (nil when there is none).
func (p *Policy) takeHandover() map[provider.Ref]int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.handover
	p.handover = nil
	return h
}

// setFeederStep tells the policy the feeder's step (NewFeeder).
func (p *Policy) setFeederStep(step time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.feederStep = step
}

// handedOver is k, a first read's count of ref, less the calls the rebuild
// counted in the same steps (taken from handed, so that a function read
// twice is not taken off twice).
func handedOver(handed map[provider.Ref]int32, ref provider.Ref, k int) int {
	h, ok := handed[ref]
	if !ok {
		return k
	}
	take := min(int(h), k)
	if left := h - int32(take); left > 0 {
		handed[ref] = left
	} else {
		delete(handed, ref)
	}
	return k - take
}
