package prometheus

import (
	"sync"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
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
// An instance missing from forgetEpochReads reads or more is forgotten
// (gateway pods come and go with their addresses).
type startEpochs struct {
	mu    sync.Mutex
	held  map[string]heldEpoch
	reads uint32
}

type heldEpoch struct {
	name float64 // what its series are named with
	last float64 // its start time as last read: drift is compared step by step
	read uint32  // the read it was last in
}

// forgetEpochReads is as long as TotalsDiff remembers a series missing
// from its reads by default.
const forgetEpochReads = metricsource.DefaultForgetReads

// name replaces each instance's start time in read (as Prometheus answered
// it at one read) with the one its series are named with, and adds those
// of instances held but missing from read.
func (e *startEpochs) name(read map[string]float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.held == nil {
		e.held = make(map[string]heldEpoch, len(read))
	}
	e.reads++
	for in, v := range read {
		h, ok := e.held[in]
		if !ok || promql.StartedAgain(h.last, v) {
			h.name = v
		}
		h.last, h.read = v, e.reads
		e.held[in] = h
		read[in] = h.name
	}
	for in, h := range e.held {
		if _, ok := read[in]; ok {
			continue
		}
		if e.reads-h.read > forgetEpochReads {
			delete(e.held, in)
			continue
		}
		read[in] = h.name
	}
}
