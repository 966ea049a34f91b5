package embedded

// gapList keeps the gaps between successful scrapes longer than over, in
// scrape order: the idler asks dozens of activity windows a cycle whether
// the scrapes cover them (store.covered), and walking every scrape of a
// window of hours to find no gap was a hundredth of a trace replay. With
// the gaps listed, the walk is over the gaps, which a healthy gateway has
// none of. Kept only for one length (the source's longest allowed gap,
// set when the source is made); covered walks the scrapes for another.
type gapList struct {
	over int64 // the longest gap not recorded (ns); 0: none recorded, never asked
	gaps []gap
}

// gap is a gap between two successful scrapes: its length, and the time of
// the scrape that ended it.
type gap struct{ end, length int64 }

// scraped records the scrape at t after the one at prev (0: the first).
func (gl *gapList) scraped(prev, t int64) {
	if gl.over > 0 && prev != 0 && t-prev > gl.over {
		gl.gaps = append(gl.gaps, gap{end: t, length: t - prev})
	}
}

// prune drops the gaps ending at or before first, the earliest scrape the
// store still holds: covered asks only about gaps that end at a scrape it
// holds after its first.
func (gl *gapList) prune(first int64) {
	k := 0
	for k < len(gl.gaps) && gl.gaps[k].end <= first {
		k++
	}
	if k > 0 {
		gl.gaps = gl.gaps[:copy(gl.gaps, gl.gaps[k:])]
	}
}

// firstIn is the length of the first gap longer than g that ends at a scrape
// in [from, to] (0: none), and false when the list cannot tell (g is not
// the length it keeps).
func (gl *gapList) firstIn(g, from, to int64) (int64, bool) {
	if gl.over == 0 || g != gl.over {
		return 0, false
	}
	for _, gp := range gl.gaps {
		if gp.end > to {
			break
		}
		if gp.end >= from {
			return gp.length, true
		}
	}
	return 0, true
}
