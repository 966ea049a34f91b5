package keepalive

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ForgetAfter is how long a function the policy knows may go unlisted
// before what it learned of it is dropped. The policy learns of every
// function the gateway counts and every one the pre-warmer asks about, and
// kept each for good: a cluster that deploys and deletes functions (a
// preview per pull request) grew it without bound, and every function
// deleted since the start widened the pre-warm share's base. An hour, not
// one cycle: a listing that misses functions for a few minutes (a provider
// restarting, a namespace briefly unreadable) must not throw away a day's
// learning that only a restart's rebuild could give back.
const ForgetAfter = time.Hour

// Listed is the idler's report (idler.ListingObserver) after a complete
// listing at now (at least every five minutes): listed says whether a function exists and is managed.
// A function not listed stops counting towards the pre-warm share at once
// and is forgotten once it has gone unlisted for ForgetAfter; one listed
// again before that keeps everything. When the histories hold more than
// their budget, each is cut to its fair share (trimToBudget). It returns
// how many it forgot.
func (p *Policy) Listed(now time.Time, listed func(provider.Ref) bool) (forgotten int) {
	at := now.UnixNano()
	p.mu.Lock()
	defer p.mu.Unlock()
	unlisted := 0
	for ref, h := range p.fns {
		switch {
		case listed(ref):
			h.unlistedAt = 0
		case h.unlistedAt == 0:
			h.unlistedAt = at
			unlisted++
		case at-h.unlistedAt >= ForgetAfter.Nanoseconds():
			delete(p.fns, ref)
			p.idleTimes -= len(h.e)
			forgotten++
		default:
			unlisted++
		}
	}
	p.unlisted = unlisted
	p.trimToBudget()
	if forgotten > 0 {
		// Due's and KeepAlive's caches may hold a forgotten history: a
		// function deployed again under the name would learn into a new one.
		p.due, p.seq, p.dueSpecs = dueCache{}, seqCache{}, specCache{}
	}
	return forgotten
}

// known is how many functions the pre-warm share is a share of: those the
// policy knows, less those the last listing did not list. mu is held.
func (p *Policy) known() int {
	return len(p.fns) - p.unlisted
}
