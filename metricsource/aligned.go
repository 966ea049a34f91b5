package metricsource

import (
	"context"

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
// order of the functions asked about: out[i] is refs[i]'s reading. The
// scaler reads each function's two readings every pass; looking them up in
// per-query maps keyed by namespace and name (and building those maps) was
// about a tenth of a trace replay's work (issue 12).
//
// Its answers are LoadParts's: refs[i]'s Value and Has are what
// LoadParts's values give refs[i], and its Part is what the parts' For
// gives it. A source whose answer for a subset differs from its answer for
// every function (Prometheus: another query) does not implement it.
type AlignedLoad interface {
	LoadAligned(ctx context.Context, q LoadQuery, refs []provider.Ref, out []Reading) error
}

// LoadAligned fills out[i] (len(out) == len(refs)) with refs[i]'s reading of
// q. A source with AlignedLoad answers directly. Otherwise it asks
// LoadParts -- of every function when all (a full pass: one query for the
// fleet, as before), else of refs -- and looks each ref up. On an error out
// is left as it was and the error returned.
func LoadAligned(ctx context.Context, src Source, q LoadQuery, refs []provider.Ref, all bool, out []Reading) error {
	if a, ok := src.(AlignedLoad); ok {
		return a.LoadAligned(ctx, q, refs, out)
	}
	var ask []provider.Ref // nil: every function
	if !all {
		ask = refs
	}
	vals, parts, err := LoadParts(ctx, src, q, ask)
	if err != nil {
		return err
	}
	for i, ref := range refs {
		v, has := vals[ref]
		out[i] = Reading{Value: v, Has: has, Part: parts.For(ref, has)}
	}
	return nil
}
