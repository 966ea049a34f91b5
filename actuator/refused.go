package actuator

import (
	"slices"
	"time"
)

// maxRefusals bounds the refused counts kept per function. A provider
// refuses few counts (zero on OpenFaaS CE, the counts over a quota or an
// admission policy's limit), but a proposer walking up into a quota would
// otherwise leave one entry per count for the whole back-off.
const maxRefusals = 8

// Refusal is a count the provider refused, not asked for again before
// Until.
type Refusal struct {
	Replicas uint64    `json:"replicas"`
	Until    time.Time `json:"until"`
	// Landed is the count the provider set instead, when it took part of
	// the request (provider.RefusedError.Landed; HasLanded): the refusal
	// holds only while the function has at least that many, since an ask
	// from below would land them again.
	Landed    uint64 `json:"landed,omitempty"`
	HasLanded bool   `json:"-"`
}

// refusalOf returns the refusal of count n that still holds at now.
// Actuator.mu is held.
func (s *slot) refusalOf(n uint64, now time.Time) (Refusal, bool) {
	for _, r := range s.refused {
		if r.Replicas == n && now.Before(r.Until) {
			return r, true
		}
	}
	return Refusal{}, false
}

// refuse records that the provider refused r.Replicas at now, held off
// until r.Until. Each count keeps its own back-off: a later refusal of another
// count, or another count applied, does not release it (a proposer
// alternating between a refused count and a taken one would otherwise
// have the refused one asked for again at every alternation). Refusals
// that have ended are dropped; past maxRefusals, the one ending first.
// Actuator.mu is held.
func (s *slot) refuse(r Refusal, now time.Time) {
	s.forgetRefusal(r.Replicas, now)
	if len(s.refused) >= maxRefusals {
		first := 0
		for i, r := range s.refused {
			if r.Until.Before(s.refused[first].Until) {
				first = i
			}
		}
		s.refused = slices.Delete(s.refused, first, first+1)
	}
	s.refused = append(s.refused, r)
}

// forgetRefusal drops the refusal of n, and every refusal that has ended
// by now. Actuator.mu is held.
func (s *slot) forgetRefusal(n uint64, now time.Time) {
	if len(s.refused) == 0 {
		return
	}
	s.refused = slices.DeleteFunc(s.refused, func(r Refusal) bool { return r.Replicas == n || !now.Before(r.Until) })
}

// holdingRefusals returns the refusals that hold at now, ending soonest
// first, and the latest one recorded (false when none holds).
// Actuator.mu is held.
func (s *slot) holdingRefusals(now time.Time) (all []Refusal, latest Refusal, ok bool) {
	for _, r := range s.refused {
		if now.Before(r.Until) {
			all = append(all, r)
			latest, ok = r, true
		}
	}
	slices.SortStableFunc(all, func(a, b Refusal) int { return a.Until.Compare(b.Until) })
	return all, latest, ok
}
