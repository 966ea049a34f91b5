package scaler

import (
	"sync"
	"sync/atomic"
)

// A function's decision counts are kept as (code index, count) pairs of 8
// bytes, not (ReasonCode, uint64) pairs of 24: at 100,000 called functions
// with a few codes each, the strings' headers were 10 MB held and, copied
// into every /metrics scrape's snapshot, most of its garbage (issue 12).

// codeIndex is a reason code's place in the table of codes (codeNames).
type codeIndex uint32

// codeTable maps reason codes to their indexes and back. A table is never
// changed once published: a code the table lacks is added to a copy, so a
// scrape reads the names without a lock.
type codeTable struct {
	names []ReasonCode
	index map[ReasonCode]codeIndex
}

var (
	// codes holds every declared code (ReasonCodes) from the start, in
	// that order, so a code's index is its place in ReasonCodes;
	// TestEveryDeclaredCodeHasAnIndex proves each ReasonCode constant of
	// the package is there.
	codes   atomic.Pointer[codeTable]
	codesMu sync.Mutex // serialises additions to codes
)

func init() {
	t := &codeTable{names: make([]ReasonCode, 0, len(ReasonCodes)), index: make(map[ReasonCode]codeIndex, len(ReasonCodes))}
	for _, c := range ReasonCodes {
		if _, dup := t.index[c]; !dup {
			t.index[c] = codeIndex(len(t.names))
			t.names = append(t.names, c)
		}
	}
	codes.Store(t)
}

// indexOf is code's index. A code outside ReasonCodes (none should be: a
// test walks the declarations) is added to the table rather than dropped
// or counted under another name: its decisions are exported with its own
// reason, as they were when the counts held the code itself.
func indexOf(code ReasonCode) codeIndex {
	if i, ok := codes.Load().index[code]; ok {
		return i
	}
	codesMu.Lock()
	defer codesMu.Unlock()
	old := codes.Load()
	if i, ok := old.index[code]; ok {
		return i
	}
	t := &codeTable{names: append(old.names[:len(old.names):len(old.names)], code),
		index: make(map[ReasonCode]codeIndex, len(old.index)+1)}
	for c, i := range old.index {
		t.index[c] = i
	}
	i := codeIndex(len(old.names))
	t.index[code] = i
	codes.Store(t)
	return i
}

// codeNames is the table of code names by index. Every index a count
// holds was made by indexOf before the count was, so it is in the table
// loaded after it.
func codeNames() []ReasonCode {
	return codes.Load().names
}
