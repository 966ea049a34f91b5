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
// was last in a read before (seen; metricsource.Total.GatewaySeen), and
// TotalsDiff counts such a series as late as a held one missing from the
// same reads.
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
}

type heldEpoch struct {
	name  float64   // what its series are named with
	last  float64   // its start time as last read: drift is compared step by step
	at    time.Time // the read it was last in
	blind bool      // missing from a read while its counters were read
	seen  time.Time // the last read it was in (its start time or its counters)
}

// forgetEpochAfter is as long as the keep-alive feeder keeps a series
// missing from its reads (keepalive's keepMissingSeries, a day).
const forgetEpochAfter = 24 * time.Hour

// maxEpochs bounds the instances held: past it, those missing longest go.
const maxEpochs = 4096

// name replaces each instance's start time in read (as Prometheus answered
// it at one read, at) with the one its series are named with, and adds those
// of instances held but missing from read. counted says whether an
// instance's counters were in the read. It returns, for each instance held
// and in this read, the last read it was in before (seen).
func (e *startEpochs) name(read map[string]float64, counted func(instance string) bool, at time.Time) (seen map[string]time.Time) {
	seen = make(map[string]time.Time, len(read))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held == nil {
		e.held = make(map[string]heldEpoch, len(read))
	}
	for in, v := range read {
		h, ok := e.held[in]
		if !ok || !h.blind && promql.StartedAgain(h.last, v) {
			h.name = v
		}
		if ok && !h.seen.IsZero() {
			seen[in] = h.seen
		}
		h.last, h.at, h.blind, h.seen = v, at, false, at
		e.held[in] = h
		read[in] = h.name
	}
	for in, h := range e.held {
		if _, ok := read[in]; ok {
			continue
		}
		if at.Sub(h.at) > forgetEpochAfter {
			delete(e.held, in)
			continue
		}
		if counted(in) {
			if !h.seen.IsZero() {
				seen[in] = h.seen
			}
			h.blind, h.seen = true, at
			e.held[in] = h
		}
		read[in] = h.name
	}
	for len(e.held) > maxEpochs {
		e.dropOldestLocked()
	}
	return seen
}

func (e *startEpochs) dropOldestLocked() {
	var oldest string
	var at time.Time
	for in, h := range e.held {
		if at.IsZero() || h.at.Before(at) {
			oldest, at = in, h.at
		}
	}
	delete(e.held, oldest)
}
