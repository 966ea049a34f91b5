package keepalive

import (
	"cmp"
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Zeroed is the idler's report (idler.ZeroObserver) that it scaled ref to
// zero from replicas. A pre-warm of the function starts that many again:
// zero-then-pre-warm is a keep-alive with a hole in it, so it gives back
// what the keep-alive would have kept. A function whose activations need
// two replicas, pre-warmed with one, makes the rest of each activation
// wait for a cold start the plan did not price. After a restart, Rebuild
// reads it from the gateway's replica history (gateway_service_count);
// without that history, a pre-warm starts one replica (the function's min
// when higher: the pre-warmer raises every count to it) until the idler next
// idles the function. The count is what the scaler held then, so a
// function whose activations need fewer comes back down after the
// scaler's down window.
func (p *Policy) Zeroed(ref provider.Ref, replicas uint64) {
	p.setZeroed(ref, replicas, zeroedLive)
}

// ForgetZeroed drops every count a function was idled from. The counts are
// this replica's own (its idler records them while it leads): after a term
// in which another replica led, they are an earlier term's, and a pre-warm
// started the count of an idle hours old (8 where the other leader had
// idled the function from 1 since). Until the idler idles a function again,
// a pre-warm starts one replica, as with no history.
func (p *Policy) ForgetZeroed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.fns {
		if h.zeroedAt != 0 {
			h.zeroedAt, h.planned, h.zeroedLive = 0, false, false
		}
	}
}

// setZeroed records the count ref went to zero from; the rebuild from
// history (replace false) never replaces what the idler has told the
// policy since it started. It says whether it set the count.
func (p *Policy) setZeroed(ref provider.Ref, replicas uint64, how zeroedSet) bool {
	if replicas == 0 {
		return false
	}
	v := uint32(min(replicas, math.MaxUint32))
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	switch {
	case h.zeroedAt == 0 || how == zeroedLive || how == zeroedReplace:
	case how == zeroedReplaceRead && !h.zeroedLive:
	default:
		return false
	}
	if v != h.zeroedAt {
		h.zeroedAt, h.planned = v, false
	}
	h.zeroedLive = how == zeroedLive
	return true
}

// zeroedSet is how setZeroed treats a count already held.
type zeroedSet uint8

const (
	zeroedKeep        zeroedSet = iota // only a count not held is set (a read of older history)
	zeroedReplace                      // replaced (a term's refresh: every count is history's after it)
	zeroedReplaceRead                  // replaced unless this replica's idler told it (Zeroed)
	zeroedLive                         // told by this replica's idler: replaced
)

// PreWarm is a function whose plan wants replicas now although it has had
// no invocation for a while.
type PreWarm struct {
	Ref    provider.Ref
	Since  time.Duration // since the last invocation
	Until  time.Time     // end of the window
	Reason string
	// Replicas is how many to start: the count the function had when it
	// was last idled (1 when not seen since the policy started), within
	// the min and max the pre-warmer last read (setBounds); the
	// pre-warmer bounds it again by the labels of its pass.
	Replicas uint64
}

// preWarmReplicas is how many replicas a pre-warm of ref starts (≥ 1).
func (p *Policy) preWarmReplicas(ref provider.Ref) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.fns[ref]; h != nil {
		return p.startsLocked(ref, h)
	}
	return max(1, uint64(p.bounds[ref].min))
}

// replicaBounds is a function's min and max replicas (max 0: none known).
type replicaBounds struct{ min, max uint32 }

// setBounds records ref's min and max replicas as the pre-warmer read
// them from its labels: a pre-warm starts the count the function was
// idled from, at least the min and at most the max (PreWarmer.due), and
// the plan prices the replicas it starts. Priced on the count it was
// idled from, a function idled from 80 whose max is now 2 was kept warm
// for half an hour after each call (keep_alive) where its pre-warm, of 2
// replicas for a minute, was the cheaper plan. The min also prices a
// keep-alive (keepsLocked). A change replans.
func (p *Policy) setBounds(ref provider.Ref, minR, maxR uint64) {
	b := replicaBounds{uint32(min(minR, math.MaxUint32)), uint32(min(maxR, math.MaxUint32))}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.bounds[ref]; ok && old == b {
		return
	}
	if p.bounds == nil {
		p.bounds = map[provider.Ref]replicaBounds{}
	}
	p.bounds[ref] = b
	if h := p.fns[ref]; h != nil {
		h.planned = false
	}
}

// dropBounds forgets ref's bounds: the pre-warmer no longer lists it
// opted in (deleted, relabelled, out of its namespaces), so it is not
// pre-warmed, and the map holds only functions it lists.
func (p *Policy) dropBounds(ref provider.Ref) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.bounds[ref]; !ok {
		return
	}
	delete(p.bounds, ref)
	if h := p.fns[ref]; h != nil {
		h.planned = false
	}
}

// startsLocked is how many replicas a pre-warm of ref (history h) starts:
// the count it was idled from, within its bounds when the pre-warmer has
// read them. mu is held.
func (p *Policy) startsLocked(ref provider.Ref, h *history) uint64 {
	n := h.preWarmReplicas()
	if b, ok := p.bounds[ref]; ok {
		n = max(n, uint64(b.min))
		if b.max > 0 {
			n = min(n, uint64(b.max))
		}
	}
	return n
}

// keepsLocked is how many replicas a keep-alive of ref holds, which its
// plan prices: the scaler floors a function with no load at max(min, 1)
// and its down window brings it there while the keep-alive runs (the
// count it is idled from, which a pre-warm starts, is the count the scaler
// left). 1 until the pre-warmer has read ref's min (setBounds), so a
// function whose min is 0 or 1 is priced as it was before keep-alives
// were priced on their replicas. mu is held.
func (p *Policy) keepsLocked(ref provider.Ref) uint64 {
	return max(1, uint64(p.bounds[ref].min))
}

// preWarmReplicas is how many replicas a pre-warm of h's function starts.
func (h *history) preWarmReplicas() uint64 {
	if h.zeroedAt > 1 {
		return uint64(h.zeroedAt)
	}
	return 1
}

// Due lists the functions among atZero whose pre-warm window is open at
// now, so that with the prewarmed functions already warm at most
// PreWarmShare of the functions the policy knows are pre-warmed at once (at
// least one when the share is positive; a function the idler's last
// listing did not list is not known); the soonest-closing windows first,
// windows closing in the same second in an order that changes from window
// to window (preWarmOrder).
func (p *Policy) Due(now time.Time, atZero []provider.Ref, prewarmed int, fallback time.Duration) []PreWarm {
	out, limit := p.dueAt(now, atZero, nil, nil, 0, prewarmed, fallback)
	return out[:min(len(out), limit)]
}

// preWarmSpare is how many more due functions than the share has room
// for dueAt hands the pre-warmer, which walks on past a pre-warm the
// actuator does not apply (the provider refused it, the function is in
// back-off or gone, the call failed) so that one such function does not
// hold the share's slot for everyone. It bounds a pass's proposals, and so
// its provider calls, at the room plus four (a function in the actuator's
// back-off costs no call).
const preWarmSpare = 4

// dueAt is Due for the pre-warmer, which also says where each of atZero
// is in its listing (places[i]) and its entry for it (specs[i]): Due's
// cache then remembers each function at its place in the listing
// (specCache) rather than at its place among atZero, and a tie is broken
// by when the pre-warmer last pre-warmed each (preWarmOrder). places and
// specs nil, or a listing of more functions (listed) than the cache keeps:
// as Due, without the cache.
//
// It returns the due functions in order, at most preWarmSpare more than
// the room the share leaves, and that room (limit): Due proposes the
// first limit, the pre-warmer walks on until limit are applied.
func (p *Policy) dueAt(now time.Time, atZero []provider.Ref, places []int, specs []*prewarmSpec, listed, prewarmed int, fallback time.Duration) (out []PreWarm, limit int) {
	if len(specs) != len(atZero) {
		specs = nil
	}
	cached := specs != nil && len(places) == len(atZero) && listed <= keptAtZero
	var warmedAt map[provider.Ref]int64 // only the due ones' (few), for the order
	// One hold of mu for the pass over atZero, not one per function (a
	// lock and an unlock per function every 10 s were a third of Due).
	p.mu.Lock()
	for i, ref := range atZero {
		var h *history
		if cached {
			h = p.dueSpecs.at(p, places[i], specs[i], ref)
		} else {
			h = p.due.at(p, i, len(atZero), ref)
		}
		plan, last := p.planLocked(ref, h, fallback, now)
		if last.IsZero() || plan.PreWarmAt <= 0 {
			// Never invoked, or a plan without a window, in none
			// (InPreWarm): the time since is not worked out (time.Time.Sub
			// was a quarter of the pass over atZero).
			continue
		}
		if since := now.Sub(last); plan.InPreWarm(since, h.slack) {
			h.worded()
			out = append(out, PreWarm{Ref: ref, Since: since, Until: last.Add(plan.PreWarmUntil), Reason: h.plan.Reason,
				Replicas: p.startsLocked(ref, h)})
			if specs != nil && specs[i].warmedAt != 0 {
				if warmedAt == nil {
					warmedAt = map[provider.Ref]int64{}
				}
				warmedAt[ref] = specs[i].warmedAt
			}
		}
	}
	share := p.cfg.PreWarmShare // under mu: a reload's SetPrice writes it
	limit = int(share * float64(p.known()))
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b PreWarm) int { return preWarmOrder(a, b, warmedAt) })
	if share > 0 {
		limit = max(limit, 1)
	}
	limit = max(0, limit-prewarmed)
	if len(out) > limit+preWarmSpare {
		out = out[:limit+preWarmSpare]
	}
	return out, limit
}

// preWarmOrder orders due pre-warms: the soonest-closing window first.
// Windows closing in the same second tie (timers on one cron schedule all
// close together), and the listing's order broke the tie before: the same
// functions won the share's slots at every window and the others were cold
// at every call. A tie goes to the function the pre-warmer pre-warmed
// least recently (warmedAt, Unix ns; absent: not since it listed it), and
// then by a hash of the function and its window's second, which draws a
// new order each window. Deterministic: the same due list always sorts the
// same.
func preWarmOrder(a, b PreWarm, warmedAt map[provider.Ref]int64) int {
	sa, sb := a.Until.Unix(), b.Until.Unix()
	if c := cmp.Compare(sa, sb); c != 0 {
		return c
	}
	if c := cmp.Compare(warmedAt[a.Ref], warmedAt[b.Ref]); c != 0 {
		return c
	}
	if c := cmp.Compare(tieHash(a.Ref, sa), tieHash(b.Ref, sb)); c != 0 {
		return c
	}
	if c := a.Until.Compare(b.Until); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Ref.Namespace, b.Ref.Namespace); c != 0 {
		return c
	}
	return cmp.Compare(a.Ref.Name, b.Ref.Name)
}

// tieHash is FNV-1a (hash/fnv) of ref and the second its window closes
// in: fixed across processes (no random seed), so a restarted controller
// breaks a window's ties as the one before it.
func tieHash(ref provider.Ref, second int64) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(ref.Namespace))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(ref.Name))
	_, _ = h.Write(binary.LittleEndian.AppendUint64(nil, uint64(second)))
	return h.Sum64()
}

// inPreWarm calls found for each of refs the policy has learned of whose
// pre-warm window is open at now, with the window's end: a function up
// there and not called since the window opened (the window is open only
// until a call: the call moves the last invocation) is held warm for its
// window, by a pre-warm or by the idler's keep-alive (KeepAlive). One hold
// of mu for all of refs; a function the policy does not know is not made
// known.
func (p *Policy) inPreWarm(now time.Time, refs []provider.Ref, fallback time.Duration, found func(provider.Ref, time.Time)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ref := range refs {
		h := p.fns[ref]
		if h == nil {
			continue
		}
		plan, last := p.planLocked(ref, h, fallback, now)
		if !last.IsZero() && plan.InPreWarm(now.Sub(last), h.slack) {
			found(ref, last.Add(plan.PreWarmUntil))
		}
	}
}
