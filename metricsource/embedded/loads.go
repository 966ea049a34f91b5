package embedded

import (
	"context"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var _ metricsource.AlignedLoads = (*Source)(nil)

// LoadsAligned answers each of ws's windows of typ as LoadAligned would,
// asked in ws's order (metricsource.AlignedLoads), with one store lookup
// per function for them all. The scaler's pair, a capacity window and a
// shorter one ending at the same scrape, is read in one walk over each
// function's series (function.peaks); any other windows are read one after
// another, function by function. A window the store cannot answer fails
// alone, its R left as it was.
func (s *Source) LoadsAligned(_ context.Context, typ string, fns []provider.Function, ws []metricsource.WindowReadings) {
	s.mu.Lock() // reader() may raise retention
	defer s.mu.Unlock()
	var kept [2]windowRead // the scaler's two windows, without a heap array
	reads := kept[:0]
	if len(ws) > len(kept) {
		reads = make([]windowRead, 0, len(ws))
	}
	answered := 0
	for k := range ws {
		// Checked in ws's order, as separate calls would check them: the
		// retention each raises, each one's error.
		rd, err := s.reader(metricsource.LoadQuery{Type: typ, Window: ws[k].Window})
		ws[k].Err = err
		if err == nil {
			ws[k].R = metricsource.Readings(ws[k].R, len(fns))
			answered++
		}
		reads = append(reads, rd)
	}
	if answered == 0 {
		return // nothing looked up, nothing allocated
	}
	// One walk for the pair: the first the longer (peak's memo is kept as
	// reading them in this order keeps it), both ending at the same scrape.
	pair := answered == 2 && len(ws) == 2 && reads[0].capacity && reads[1].capacity &&
		reads[0].from <= reads[1].from && reads[0].to == reads[1].to
	// sure: the pair's windows both start at or after the last rebased
	// page (most passes), so no function is blind to either and each peak
	// is known as read (windowRead.blind and known answer false and p):
	// nothing of a function is read but its peaks, nor asked of the reads
	// per function, which was most of a quiet function's read (the memo's).
	var r0, r1 windowRead
	var inL, inS []metricsource.Reading // the pair's readings
	sure := false
	if pair {
		r0, r1 = reads[0], reads[1]
		inL, inS = ws[0].R[:len(fns)], ws[1].R[:len(fns)]
		sure = r0.from >= r0.rebased && r1.from >= r1.rebased
	}
	for i := range fns {
		// refCache.lookup, its hit inlined (refCache.hit).
		fn, ok := s.st.aligned.hit(i, len(fns), fns[i].Ref)
		if !ok {
			fn = s.st.aligned.resolve(s.st, i, len(fns), fns[i].Ref)
		}
		if sure {
			switch {
			case fn == nil:
				inL[i], inS[i] = metricsource.Reading{}, metricsource.Reading{}
			case fn.loadAt <= r0.from && fn.memoSet:
				// Both windows quiet and the memo set: what peaks reads
				// (peak's memo, for both).
				inL[i] = fn.memoReading()
				inS[i] = inL[i]
			default:
				l, s := fn.peaks(r0.from, r1.from, r0.to)
				inL[i], inS[i] = l.reading(), s.reading()
			}
			continue
		}
		// A window reaching before a rebase reads as LoadAligned's does
		// (windowRead.blind; the longer one reaches it first): the pair's
		// walk never looked (a review's finding).
		if pair && (fn == nil || !reads[0].blind(fn)) {
			var long, short metricsource.Reading
			if fn != nil {
				l, s := fn.peaks(reads[0].from, reads[1].from, reads[0].to)
				// As windowRead.of drops a read whose gauge says nothing
				// over a rebase, each window by its own reach.
				long, short = reads[0].known(fn, l).reading(), reads[1].known(fn, s).reading()
			}
			ws[0].R[i], ws[1].R[i] = long, short
			continue
		}
		for k := range ws {
			if ws[k].Err != nil {
				continue
			}
			r := metricsource.Reading{}
			if fn != nil {
				var part metricsource.Part
				if r.Value, part, r.Has = reads[k].of(fn); r.Has {
					r.Part = part
				}
			}
			ws[k].R[i] = r
		}
	}
}

// peaks is fn's peak over [fromL, to] and over [fromS, to] (fromL <=
// fromS), each exactly what peak reads when the longer window is read
// first and the shorter next, memo included: a window wholly quiet
// answers from the memo (or sets it), and the rest is read in one walk
// over the series (peakOver2).
func (fn *function) peaks(fromL, fromS, to int64) (l, s peakRead) {
	switch {
	case fn.loadAt <= fromL:
		// Both quiet: the first read answers (or sets) the memo, which the
		// second reads.
		l = fn.peak(fromL, to)
		s = l
	case fn.loadAt <= fromS && fn.memoSet:
		l = fn.peakOver(fromL, to)
		s = fn.memo()
	default:
		l, s = fn.peakOver2(fromL, fromS, to)
		if fn.loadAt <= fromS {
			fn.setMemo(s)
		}
	}
	return l, s
}

// peakRead is one of peak's answers.
type peakRead struct {
	v    float64
	part metricsource.Part
	has  bool
	// g is the in-flight gauge's own peak (of the sum of its series), and
	// gHas whether it has a value in the window: v is the larger of it and
	// the arrivals', and over a rebase only the gauge's part is known
	// (windowRead.known), which v alone cannot tell.
	g    float64
	gHas bool
}

// reading is r as LoadAligned hands it out: no part without a value.
func (r peakRead) reading() metricsource.Reading {
	if !r.has {
		return metricsource.Reading{Value: r.v}
	}
	return metricsource.Reading{Value: r.v, Has: true, Part: r.part}
}

// peakOver2 is fn's peak read from the series over [fromL, to] and over
// [fromS, to] (fromL <= fromS), each series walked once for both
// (series.maxOver2): the in-flight series' peak (of their sum when several:
// peakOfSum) or the arrivals', the larger, saying which (the gauge when
// they are equal).
func (fn *function) peakOver2(fromL, fromS, to int64) (long, short peakRead) {
	var sumL, sumS, arrL, arrS float64
	var gaugesL, gaugesS int
	for i := range fn.series {
		ser := &fn.series[i]
		switch ser.key.kind {
		case kindInflight:
			mL, okL, mS, okS := ser.maxOver2(fromL, fromS, to)
			if okL {
				sumL += mL
				long.has = true
				gaugesL++
			}
			if okS {
				sumS += mS
				short.has = true
				gaugesS++
			}
		case kindArrivals:
			mL, okL, mS, okS := ser.maxOver2(fromL, fromS, to)
			if okL {
				arrL = mL
				long.has = true
			}
			if okS {
				arrS = mS
				short.has = true
			}
		}
	}
	if gaugesL > 1 {
		sumL = fn.peakOfSum(fromL, to)
	}
	if gaugesS > 1 {
		if fromS == fromL {
			sumS = sumL // the same window (peakOver)
		} else {
			sumS = fn.peakOfSum(fromS, to)
		}
	}
	long.g, long.gHas, short.g, short.gHas = sumL, gaugesL > 0, sumS, gaugesS > 0
	long.v, long.part = sumL, metricsource.PartGauge
	if arrL > sumL {
		long.v, long.part = arrL, metricsource.PartArrivals
	}
	short.v, short.part = sumS, metricsource.PartGauge
	if arrS > sumS {
		short.v, short.part = arrS, metricsource.PartArrivals
	}
	return long, short
}

// maxOver2 is maxOver over [fromL, to] and over [fromS, to] (fromL <=
// fromS) in one walk from fromL: the value in effect at fromS is the last
// point the walk passes at or before it.
func (s *series) maxOver2(fromL, fromS, to int64) (mL float64, okL bool, mS float64, okS bool) {
	if len(s.pts) > 0 && s.lastT <= fromL {
		// No change since before either window (maxOver's shortcut).
		mL, okL = s.maxOver(fromL, to)
		return mL, okL, mL, okL
	}
	i := s.afterFront(fromL)            // the series are kept for the longest capacity window
	okL = i > 0 && !s.pts[i-1].absent() // the value in effect at fromL
	if okL {
		mL = s.pts[i-1].v
	}
	// The points up to the short window's start: the long window's (up to
	// to), the last of them the value in effect at fromS.
	n := len(s.pts)
	j := i
	for ; j < n && s.pts[j].t <= fromS; j++ {
		if p := s.pts[j]; p.t <= to && !p.absent() && (!okL || p.v > mL) {
			mL, okL = p.v, true
		}
	}
	if j > i {
		if p := s.pts[j-1]; !p.absent() {
			mS, okS = p.v, true
		}
	} else {
		mS, okS = mL, okL
	}
	// The points in (fromS, to]: both windows'.
	for ; j < n && s.pts[j].t <= to; j++ {
		if p := s.pts[j]; !p.absent() {
			if !okL || p.v > mL {
				mL, okL = p.v, true
			}
			if !okS || p.v > mS {
				mS, okS = p.v, true
			}
		}
	}
	return mL, okL, mS, okS
}
