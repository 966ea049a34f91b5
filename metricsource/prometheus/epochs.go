package prometheus

import (
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// startEpochs holds, per gateway instance, the start time its series are
// named with (nameKey, epochKey) across StartedTotals' reads. A reading names them
// anew only when it is a restart's (promql.StartedAgain): one process's
// start time moves by whole seconds between scrapes when the clock is
// stepped, and each rename counted every function's counter on that
// gateway whole in TotalsDiff. An instance whose start time is missing
// from a read (its process collector failing, the rest of the scrape
// served) keeps the one it had: missing is not a restart, and named with
// 0 its series counted whole there and again when it was back.
//
// Nor is a start time that changed across reads where it was missing while
// the instance's counters were read (blind): those reads counted the new
// process's calls under the old name already, as a rise, and a rename then
// counted them whole again (5 calls learned of 3). The rebuild from
// history takes a value whose start time is not known as no restart too.
// An instance missing whole (not scraped) and back with a new start time
// was restarted meanwhile: renamed, its series count whole.
//
// An instance missing whole from reads (not scraped) and back, renamed or
// not, has series TotalsDiff never held: the restarted process's, or a
// function's first called through it meanwhile. Counted whole at the read
// it is back in, their calls (made anywhere in the unscraped span) ended
// an idle time there that nobody saw. So name tells, per instance, when it
// was last in a read before (metricsource.Total.GatewaySeen), and
// TotalsDiff counts such a series as late as a held one missing from the
// same reads. That sighting is kept apart from the start time held
// (sightings): a gateway whose process metrics are not stored (a scrape
// config keeping gateway_* only) is read by its counters alone, with no
// start time to hold.
//
// Only gateways are held and sighted: instances with counters in a read,
// and those already held or sighted (a gateway restarted and not called
// since has its start time read without counters). startTimesQuery reads
// every scrape target's start time (node exporters, kubelets, every
// instrumented pod); held too, a cluster of more targets than maxEpochs
// pushed out the gateway not scraped for a while (missing longest), which
// was back a stranger, its new series on time (review 53F). Limiting the
// query to the gateways' instances instead (`and on (instance)` their
// counters) cost Prometheus a third more time a read at 10,000 functions
// (about 350 → 470 ms), every learning step.
//
// An instance missing from the reads for forgetEpochAfter is forgotten
// (gateway pods come and go with their addresses). It was 240 reads, an
// hour at the 15 s learn step: a gateway not scraped for longer came back
// with its start time read a second off (the jitter StartedAgain allows)
// and, forgotten, every series of it was renamed and counted its whole
// history, where TotalsDiff keeps a missing series a day for exactly that.
type startEpochs struct {
	mu   sync.Mutex
	held map[string]heldEpoch
	// sightings is when each instance was last in a read (its start time
	// or its counters), whether or not it has a start time held.
	sightings map[string]sighting
}

type heldEpoch struct {
	name  float64   // what its series are named with
	last  float64   // its start time as last read: drift is compared step by step
	at    time.Time // the read it was last in (its start time or, blind, its counters)
	blind bool      // missing from a read while its counters were read
}

// forgetEpochAfter is as long as the keep-alive feeder keeps a series
// missing from its reads (keepalive's keepMissingSeries, a day).
const forgetEpochAfter = 24 * time.Hour

// maxEpochs bounds the instances held, and those sighted (gateways
// replicas, above): past it, those missing longest go.
const maxEpochs = 4096

// name replaces each gateway instance's start time in read (as Prometheus
// answered it at one read, at) with the one its series are named with,
// and adds those of instances held but missing from read. counted holds
// the instances whose counters were in the read (its values are not
// read). It returns, for each gateway instance in this read (a start time
// or counters), the last read it was in before (seen). Start times of
// other instances are left as read, and not held.
func (e *startEpochs) name(read map[string]float64, counted map[string]int32, at time.Time) (seen map[string]time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held == nil {
		e.held = make(map[string]heldEpoch, len(counted))
		e.sightings = make(map[string]sighting, len(counted))
	}
	seen = e.sightLocked(read, counted, at)
	for in, v := range read {
		h, ok := e.held[in]
		if _, gateway := counted[in]; !ok && !gateway {
			continue
		}
		if !ok || !h.blind && promql.StartedAgain(h.last, v) {
			h.name = v
		}
		h.last, h.at, h.blind = v, at, false
		e.held[in] = h
		read[in] = h.name
	}
	for in := range counted {
		if _, ok := read[in]; ok {
			continue
		}
		// Its counters read without its start time: the held name goes
		// on (below), not renamed by the next start time read. One never
		// read with a start time is not held: its series are named 0.
		// It was in this read (at), by its counters: forgotten a day
		// after its start time was last read instead, a gateway whose
		// process collector failed that long had its series named anew
		// (0) while they were read, each counting its whole value as
		// calls at that step.
		if h, ok := e.held[in]; ok {
			h.blind, h.at = true, at
			e.held[in] = h
		}
	}
	for in, h := range e.held {
		if _, ok := read[in]; ok {
			continue
		}
		if at.Sub(h.at) > forgetEpochAfter {
			delete(e.held, in)
			continue
		}
		read[in] = h.name
	}
	for len(e.held) > maxEpochs {
		dropOldest(e.held, func(h heldEpoch) time.Time { return h.at })
	}
	return seen
}

// sighting is when an instance was in a read (last), and in the one
// before that by time (prev; zero: none kept).
type sighting struct{ last, prev time.Time }

// sightLocked notes at as a read of each gateway instance in read (start
// times) or counted, and returns, for those read before it, the last read
// by time before at (not before this call: a read made again at an earlier
// time). The keep-alive feeder reads at the rebuild's end and then at now
// (readSplit); when the second read fails it makes both again at the next
// step, and the diff never had the first: reported as seen at the end by
// the end read made again, a gateway missing from the base read since long
// before looked read at the base (TotalsDiff.readAt), its new series on
// time. So the read before by time is kept as well.
func (e *startEpochs) sightLocked(read map[string]float64, counted map[string]int32, at time.Time) map[string]time.Time {
	seen := make(map[string]time.Time, len(counted))
	sight := func(in string) {
		s, ok := e.sightings[in]
		if _, gateway := counted[in]; !ok && !gateway {
			return
		}
		switch {
		case s.last.Before(at):
			if !s.last.IsZero() {
				seen[in] = s.last
			}
			e.sightings[in] = sighting{last: at, prev: s.last}
		case s.prev.Before(at):
			if !s.prev.IsZero() {
				seen[in] = s.prev
			}
			if at.Before(s.last) { // a read between the two
				e.sightings[in] = sighting{last: s.last, prev: at}
			}
		}
		// At or before prev: no read before it is known.
	}
	for in := range read {
		sight(in)
	}
	for in := range counted {
		if _, ok := read[in]; !ok {
			sight(in)
		}
	}
	for in, s := range e.sightings {
		if at.Sub(s.last) > forgetEpochAfter {
			delete(e.sightings, in)
		}
	}
	for len(e.sightings) > maxEpochs {
		dropOldest(e.sightings, func(s sighting) time.Time { return s.last })
	}
	return seen
}

// dropOldest deletes m's entry whose time (at) is the oldest: what went
// unread longest, once an instance map holds more than maxEpochs.
func dropOldest[V any](m map[string]V, at func(V) time.Time) {
	var oldest string
	var when time.Time
	for in, v := range m {
		if t := at(v); when.IsZero() || t.Before(when) {
			oldest, when = in, t
		}
	}
	delete(m, oldest)
}
