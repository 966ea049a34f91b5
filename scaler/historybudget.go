package scaler

// maxRecords bounds the decision records that all functions' histories
// hold together. HistorySize bounds one function's (50 by default), but a
// record keeps its reason's words (about 250 bytes with them), and a fleet
// whose functions all change their counts now and then fills every
// history: at 100,000 called functions the records were 240 MB of a 466 MB
// heap, and could reach 1.3 GB. 250,000 records are at most about 60 MB:
// every function keeps HistorySize records up to 5,000 functions; beyond,
// an equal share (recordShare), cut at the next pass when the fleet grows
// (trimHistoriesLocked). A variable so that tests can lower it.
var maxRecords = 250_000

// minRecordShare is the fewest records a function keeps however large the
// fleet: its last decision (the loop's memory of it: desired, lastSays,
// repeat) and the one before it, so the explain API still shows what
// changed.
const minRecordShare = 2

// recordShareLocked is how many records each function's history may hold
// for a fleet of the loop's size: HistorySize (at least 1) while every
// function can, an equal share of maxRecords beyond, never below
// minRecordShare (or HistorySize, when that is smaller). mu is held.
func (l *Loop) recordShareLocked() int {
	share := max(maxRecords/max(len(l.fns), 1), minRecordShare)
	return min(max(l.cfg.HistorySize, 1), share)
}

// historyCapLocked is the share in force (set by the last pass), or
// HistorySize before the first. mu is held.
func (l *Loop) historyCapLocked() int {
	if l.recShare > 0 {
		return l.recShare
	}
	return max(l.cfg.HistorySize, 1)
}

// reshareLocked sets the share for the fleet the pass listed and, when it
// fell (the fleet grew), cuts every history over it to its newest records
// in an array of exactly that size: a function whose decisions repeat adds
// no record and would keep its long history for good. mu is held.
func (l *Loop) reshareLocked() {
	share := l.recordShareLocked()
	if l.recShare == 0 || share < l.recShare {
		for _, fs := range l.fns {
			if len(fs.history) > share {
				h := make([]Record, share)
				copy(h, fs.history[len(fs.history)-share:])
				fs.history = h
			}
		}
	}
	l.recShare = share
}
