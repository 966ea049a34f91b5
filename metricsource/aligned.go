package metricsource

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Reading is one function's answer to a load query: its value when Has
// (missing is not zero), and for a capacity reading from a source that says
// it, the part it came from (PartUnknown when missing or not said).
type Reading struct {
	Value float64
	Has   bool
	Part  Part
}

// AlignedLoad is implemented by sources that can answer a load query in the
// order of the functions asked about: the i-th reading is fns[i]'s. The
// scaler reads each function's two readings every pass; looking them up in
// per-query maps keyed by namespace and name (and building those maps) was
// about a tenth of a trace replay's work (issue 12).
//
// Its answers are LoadParts's: fns[i]'s Value and Has are what LoadParts's
// values give its ref, and its Part is what the parts' For gives it. A
// source whose answer for a subset differs from its answer for every
// function (Prometheus: another query) does not implement it.
//
// The readings are returned in buf's array when it is long enough (buf's
// contents are overwritten), else in a new one; on an error nothing is
// allocated and buf is left as it was, so a source that cannot answer (no
// scrape yet) costs a large fleet's pass nothing. The exception is a
// *PartialError, which comes with the readings (each a lower bound, see
// PartialError).
type AlignedLoad interface {
	LoadAligned(ctx context.Context, q LoadQuery, fns []provider.Function, buf []Reading) ([]Reading, error)
}

// LoadAligned returns fns' readings of q in their order (see AlignedLoad
// for buf). A source with AlignedLoad answers directly. Otherwise it asks
// LoadParts -- of every function when all (a full pass: one query for the
// fleet, as before), else of fns -- and looks each function up. A partial
// answer's lower bounds (a *PartialError from LoadParts) are returned as
// readings with that error; every other error with none.
func LoadAligned(ctx context.Context, src Source, q LoadQuery, fns []provider.Function, all bool, buf []Reading) ([]Reading, error) {
	if a, ok := src.(AlignedLoad); ok {
		return a.LoadAligned(ctx, q, fns, buf)
	}
	var ask []provider.Ref // nil: every function
	if !all {
		ask = make([]provider.Ref, len(fns))
		for i := range fns {
			ask[i] = fns[i].Ref
		}
	}
	vals, parts, err := LoadParts(ctx, src, q, ask)
	if _, partial := PartialWhy(err); err != nil && !partial {
		return buf, err
	}
	out := Readings(buf, len(fns))
	for i := range fns {
		ref := fns[i].Ref
		v, has := vals[ref]
		out[i] = Reading{Value: v, Has: has, Part: parts.For(ref, has)}
	}
	return out, err // nil, or a partial answer's
}

// WindowReadings is one window's part of a LoadsAligned call: the window
// asked; R, the array its readings are returned in (given: as LoadAligned's
// buf); and Err, its error (as LoadAligned's).
type WindowReadings struct {
	Window time.Duration
	R      []Reading
	Err    error
}

// AlignedLoads is implemented by sources that answer several windows of one
// load type in one call: the scaler asks for its stable and burst windows
// of each type every pass, and each of two LoadAligned calls looked every
// function up again and walked its series again (issue 12: 6 % of a trace
// replay). LoadsAligned sets each ws[k]'s R and Err to what
// LoadAligned(ctx, LoadQuery{typ, ws[k].Window}, fns, ws[k].R) would have
// returned had the windows been asked one after another in ws's order: a
// window it cannot answer fails alone, the others answered as usual.
type AlignedLoads interface {
	LoadsAligned(ctx context.Context, typ string, fns []provider.Function, ws []WindowReadings)
}

// LoadsAligned answers each of ws's windows of typ as LoadAligned would
// (see AlignedLoads): in one call from a source with AlignedLoads, else
// with one LoadAligned a window, in ws's order (the Prometheus source's
// queries as they were).
func LoadsAligned(ctx context.Context, src Source, typ string, fns []provider.Function, all bool, ws []WindowReadings) {
	if a, ok := src.(AlignedLoads); ok {
		a.LoadsAligned(ctx, typ, fns, ws)
		return
	}
	for k := range ws {
		ws[k].R, ws[k].Err = LoadAligned(ctx, src, LoadQuery{Type: typ, Window: ws[k].Window}, fns, all, ws[k].R)
	}
}

// Readings returns buf with length n, reusing its array when it is long
// enough: for AlignedLoad's implementations.
func Readings(buf []Reading, n int) []Reading {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]Reading, n)
}
