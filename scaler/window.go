package scaler

import "time"

// maxRecommendations bounds State.Recommendations whatever the window and
// the evaluation rate, so state stays small.
const maxRecommendations = 512

// record appends rec to the stabilisation history, dropping entries older
// than window. It never writes into recs, so earlier State values stay
// untouched: an append copies; a history it only shortens is a suffix of
// recs (sameState tells a suffix from recs by its first entry).
//
// A zero recommendation is not appended: the window's highest is a maximum,
// so a zero never binds (keepBinding dropped it at the next entry anyway).
// Left out, the history of a function idle past its down window is empty and
// stays so, the decision reads no clock, and the next tick can repeat it
// instead of deciding (repeat); appended, it was a new slice per tick for
// every such function.
//
// Beyond maxRecommendations the history is squeezed, not cut: cutting the
// oldest entries dropped the one that binds whenever the load fell steadily
// for longer than 512 evaluations inside a long window (a 1h window at 5 s
// ticks holds 720), and the count fell before its window ended.
func record(recs []Recommendation, rec Recommendation, window time.Duration) []Recommendation {
	if window <= 0 {
		return nil
	}
	start := 0
	for start < len(recs) && time.Duration(rec.At-recs[start].At) > window {
		start++
	}
	if rec.Replicas == 0 {
		return recs[start:len(recs):len(recs)] // no room to append into: another state's entries may follow
	}
	out := make([]Recommendation, 0, len(recs)-start+1)
	out = append(out, recs[start:]...)
	out = append(out, rec)
	for len(out) > maxRecommendations {
		out = squeeze(out)
	}
	return out
}

// squeeze makes recs (a history of record's own, oldest first) one entry
// shorter, holding no less than it held: it merges the neighbours a, b
// (a older) into one entry at b's time holding the larger of the two. The
// merged entry binds at least as high as either did at every moment up to
// b's end, so no recommendation stops binding early; what it costs is
// holding a's count past a's end until b's, (a − b) × (b.At − a.At) in
// replica-time, and squeeze merges the pair where that is least (the
// oldest such pair on a tie). A pair resting on an alert's load merges
// only when the older is dominated (dropping it changes nothing): a merged
// entry would either extend the alert's evidence or drop its expiry.
func squeeze(recs []Recommendation) []Recommendation {
	best, bestCost := -1, 0.0
	for i := 0; i+1 < len(recs); i++ {
		a, b := recs[i], recs[i+1]
		if dominated(a, b) {
			best = i
			break // costs nothing
		}
		if a.Expires != 0 || b.Expires != 0 {
			continue
		}
		cost := float64(a.Replicas-b.Replicas) * float64(b.At-a.At) // a above b: not dominated
		if best < 0 || cost < bestCost {
			best, bestCost = i, cost
		}
	}
	if best < 0 {
		// Alerts' loads only, each expiring within a stable window: the
		// oldest goes first.
		return recs[1:]
	}
	a, b := recs[best], recs[best+1]
	recs[best+1] = Recommendation{At: b.At, Replicas: max(a.Replicas, b.Replicas), Expires: b.Expires}
	return append(recs[:best], recs[best+1:]...)
}

// dominated reports whether late, recorded after early, makes early
// irrelevant: at least as high, in the window at least as long, and
// expiring no sooner.
func dominated(early, late Recommendation) bool {
	return late.Replicas >= early.Replicas &&
		(late.Expires == 0 || (early.Expires != 0 && late.Expires >= early.Expires))
}

// highest is the largest recommendation in recs still in force at now.
func highest(recs []Recommendation, now time.Time) uint64 {
	var hi uint64
	for _, r := range recs {
		if r.Expires != 0 && InstantOf(now) >= r.Expires {
			continue // an alert's load past its evidence window
		}
		hi = max(hi, r.Replicas)
	}
	return hi
}

// heldBySource is the largest recommendation in recs made at or after since
// (the burst's start), inside window at now, that rests on the source's own
// reading (no expiry): what burst mode carries forward while it holds
// (decideTarget).
func heldBySource(recs []Recommendation, since, now time.Time, window time.Duration) uint64 {
	var hi uint64
	from := InstantOf(since)
	for _, r := range recs {
		if r.Expires == 0 && r.At >= from && time.Duration(InstantOf(now)-r.At) <= window {
			hi = max(hi, r.Replicas)
		}
	}
	return hi
}

// alertEvidence is how long an alert's load stands as evidence: one stable
// window. The load stands in for the average Prometheus would show; if
// Prometheus still shows nothing a stable window later, the alert's number
// (which anyone who can reach the webhook can send) holds nothing.
func alertEvidence(obs Observation) time.Duration {
	if obs.StableWindow > 0 {
		return obs.StableWindow
	}
	return defaultStableWindow
}
