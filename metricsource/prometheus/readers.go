package prometheus

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The readers turn an answer's series into what the source returns as the
// series are decoded (queryEach hands them over one at a time), so no
// answer is held as a list of series: at 100,000 functions a list was
// 8.8 MB an answer, twice that for the capacity parts' two series a
// function, and an Activity has three such answers at once. A reader's
// result is dropped when its query fails.

// valueReader reads per-function values. Series without a usable
// function_name, and NaN or infinite values, are left out: missing, not
// zero. Two series naming the same function (bare and qualified names) add
// up. Parted, it reads a capacity parts query: per function the larger
// part, each part summed over the function's series, and the functions
// where it was the arrivals' (the gauge wins a tie); a series without a
// known part label is ignored.
type valueReader struct {
	s      *Source
	expr   string
	series int // series read, used or not
	out    metricsource.Values
	split  map[provider.Ref]byPart // parted only
}

type byPart struct {
	v    [2]float64 // gauge, arrivals
	seen [2]bool
}

// newValueReader reads expr's answer, about hint series (s.hints).
func (s *Source) newValueReader(expr string, parted bool, hint int) *valueReader {
	r := &valueReader{s: s, expr: expr, out: make(metricsource.Values, hint)}
	if parted {
		r.split = make(map[provider.Ref]byPart, hint/2)
	}
	return r
}

func (r *valueReader) add(smp *sample) {
	r.series++
	s, expr := r.s, r.expr
	ref, v, ok := s.usable(expr, smp)
	if !ok {
		return
	}
	if r.split == nil {
		r.out[ref] += v
		return
	}
	var i int
	switch smp.Metric.Part {
	case "gauge":
		i = 0
	case "arrivals":
		i = 1
	default:
		s.log.Debug("series without a known part ignored", "query", expr, "series", smp.labels())
		return
	}
	b := r.split[ref]
	b.v[i] += v
	b.seen[i] = true
	r.split[ref] = b
}

// functionRef is the function a series' function_name names
// (provider.ParseRef), but for a name with surrounding whitespace, which
// names none: ParseRef trims it, so " fn" read as fn, though no deployed
// function is named so (names are DNS labels) and a gateway counts such a
// name only for calls to a function it cannot find; and a query narrowed
// to fn's names (subset.go) cannot select it, so fn read one way asked for
// alone and another asked with every function.
func functionRef(name, defaultNamespace string) (provider.Ref, error) {
	if strings.TrimSpace(name) != name {
		return provider.Ref{}, fmt.Errorf("function name %q: surrounding whitespace", name)
	}
	return provider.ParseRef(name, defaultNamespace)
}

// usable is smp's function and value, ok false (and logged at Debug)
// when it has no usable function_name or a non-finite value: missing,
// not zero.
func (s *Source) usable(expr string, smp *sample) (provider.Ref, float64, bool) {
	if !smp.hasFn() {
		s.log.Debug("series without function_name ignored", "query", expr, "series", smp.labels())
		return provider.Ref{}, 0, false
	}
	ref, err := functionRef(smp.fn(), s.cfg.DefaultNamespace)
	if err != nil {
		s.log.Debug("series with a bad function_name ignored", "query", expr, "err", err)
		return provider.Ref{}, 0, false
	}
	v := smp.value()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		s.log.Debug("non-finite value ignored", "query", expr, "function", ref.String(), "value", v)
		return provider.Ref{}, 0, false
	}
	return ref, v, true
}

// result is the values read and, parted, the functions where the arrivals
// won (metricsource.Parts).
func (r *valueReader) result() (metricsource.Values, metricsource.Parts) {
	if r.split == nil {
		return r.out, nil
	}
	parts := make(metricsource.Parts) // the arrivals' winners only (metricsource.Parts)
	for ref, b := range r.split {
		if b.seen[1] && (!b.seen[0] || b.v[1] > b.v[0]) {
			r.out[ref], parts[ref] = b.v[1], metricsource.PartArrivals
		} else {
			r.out[ref] = b.v[0]
		}
	}
	return r.out, parts
}

// counterReader reads countersQuery's answer: its series told apart by
// their counter label.
type counterReader struct{ started, ended *valueReader }

func (r counterReader) add(smp *sample) {
	switch smp.Metric.Counter {
	case counterStarted:
		r.started.add(smp)
	case counterEnded:
		r.ended.add(smp)
	}
}

// inflight adds to inflight (the gauge's values, nil without the gauge)
// the in-flight count of each function that has a started counter and no
// gauge series.
func (r counterReader) inflight(inflight metricsource.Values) metricsource.Values {
	if r.started.series == 0 {
		return inflight
	}
	for ref, n := range r.started.out {
		if _, ok := inflight[ref]; ok {
			continue // the gauge says
		}
		if inflight == nil {
			inflight = metricsource.Values{}
		}
		inflight[ref] = metricsource.DerivedInflight(n, r.ended.out[ref])
	}
	return inflight
}

// wokenReader reads wokenQuery's answer: the last step at zero plus one
// step (by then the count was above zero), never later than the evaluation
// time. Two series naming one function (bare and qualified names) keep the
// later time, not the sum that values would make of them.
type wokenReader struct {
	s    *Source
	step time.Duration
	out  map[provider.Ref]time.Time
}

func (r *wokenReader) add(smp *sample) {
	ref, err := functionRef(smp.fn(), r.s.cfg.DefaultNamespace)
	v := smp.value()
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	at := time.Unix(0, int64(v*float64(time.Second))).Add(r.step)
	if now := smp.at(); at.After(now) {
		at = now
	}
	if r.out == nil {
		r.out = map[provider.Ref]time.Time{}
	}
	if at.After(r.out[ref]) {
		r.out[ref] = at
	}
}
