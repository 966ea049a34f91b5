package embedded

import "time"

// The history kept follows the windows still asked for. Each query raises
// the retention to its window's vanish lookback at once; a window not
// asked for keepAsked lapses, and the retention comes down to the longest
// still asked (never below the configured one). Kept for the longest ever
// asked, one long window asked once (a learned keep-alive that reached
// hours, a function relabelled since, a reload lowering the windows) held
// hours of points of every busy series for as long as the controller ran:
// at thousands of functions, gigabytes that never came down.
//
// A window asked again after it lapsed is uncovered until it has been
// scraped anew: missing, not zero (no function idled on it), never a wrong
// reading. keepAsked is a week and a day: the idler asks a function's
// keep-alive window at every cycle, except while a minimum schedule holds
// the function up, which can be all week long (weekdays); its window must
// still be covered when the schedule lets go, as it was before windows
// lapsed.
const (
	keepAsked   = 8 * 24 * time.Hour
	demandSlot  = time.Hour
	demandSlots = int64(keepAsked/demandSlot) + 1
)

// demand is the longest lookback asked per hour over the last keepAsked
// (and up to a slot more): a ring of slots, not a map of windows, since
// learned keep-alives are of any length.
type demand struct {
	slots [demandSlots]struct {
		slot int64 // hours since the epoch
		need time.Duration
	}
}

func slotOf(t time.Time) int64 { return t.UnixNano() / int64(demandSlot) }

// asked records a query at now that needs need of history.
func (d *demand) asked(now time.Time, need time.Duration) {
	k := slotOf(now)
	e := &d.slots[((k%demandSlots)+demandSlots)%demandSlots]
	if e.slot != k {
		e.slot, e.need = k, 0
	}
	e.need = max(e.need, need)
}

// longest is the most history asked for within keepAsked of now. A slot
// ahead of now (the clock stepped back) still counts: a lapse is only for
// a window surely not asked for that long.
func (d *demand) longest(now time.Time) time.Duration {
	k := slotOf(now)
	var m time.Duration
	for _, e := range d.slots {
		if e.slot > k-demandSlots {
			m = max(m, e.need)
		}
	}
	return m
}
