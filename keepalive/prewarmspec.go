package keepalive

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// prewarmSpec is one function's labels as a pass reads them.
type prewarmSpec struct {
	ref provider.Ref
	// kept is the labels and annotations it was parsed from (the very
	// labels map found by its address: scaler.KeptLabels).
	kept  scaler.KeptLabels
	want  bool // the labels parse, zero true, zero-duration auto
	stale bool // parsed under defaults a reload replaced: parse again
	zero  bool // listed at zero by the pass (pass)
	// proposed: a pass proposed a pre-warm of it to the actuator, which
	// keeps a slot for it from then on (its last write, outcomes, scale
	// call series). The pass whose listing no longer has it forgets that
	// slot (forgetUnlisted). Kept across a relabel, as warmedAt. (Beside
	// the other bools: in their word, which keeps the entry in 120 bytes
	// with kept's labels address.)
	proposed bool
	max      uint64 // the function's max replicas
	// min is the function's min replicas: a pre-warm starts at least
	// that many, as every other wake of it does (the gateway's scale
	// from zero, the idler's restore, the scaler's floor).
	min  uint64
	pass uint64 // the last pass that listed it
	// warmedAt is when we last pre-warmed it (Unix ns; 0: not since it
	// was listed): windows closing together go to the least recently
	// pre-warmed first (preWarmOrder). Kept across a relabel.
	warmedAt int64
	// created is the listed creation time (zero: unknown), sent with a
	// pre-warm's intent so that the actuator renews the slot of a function
	// deleted and deployed again under its name (actuator.Intent.Created).
	created time.Time
}

// specOf returns fn's entry (nil for a function without the label): whether
// it is to be pre-warmed and its max, its labels parsed only when they
// changed since the last pass. The entry's zero is cleared at the pass's
// first sight of it. w.mu is held.
//
// Only a function that asks for the adaptive keep-alive can be pre-warmed,
// and it asks with its zero-duration label (or annotation), which has no
// controller default: a function without one is answered by a lookup, with
// nothing parsed and nothing kept (at 100,000 functions the kept parses of
// functions that never asked were 14 MB). The pass forgets an entry a
// function no longer needs.
//
// i is fn's place in the listing; the entry found or made is set there in
// byPlace (nil for a function without the label).
func (w *PreWarmer) specOf(i int, fn *provider.Function) *prewarmSpec {
	var c *prewarmSpec
	if i < len(w.byPlace) {
		c = w.byPlace[i]
		w.byPlace[i] = nil
		if c != nil && !c.stale && c.ref == fn.Ref && c.kept.Same(fn) {
			// The labels it was parsed from, so it has the label.
			c.seen(w.passes)
			w.byPlace[i] = c
			return c
		}
	} else {
		w.byPlace = append(w.byPlace, nil)
	}
	if _, ok := fn.Labels[scaler.LabelZeroDuration]; !ok {
		if _, ok := fn.Annotations[scaler.LabelZeroDuration]; !ok {
			return nil
		}
	}
	c = w.specs[fn.Ref]
	if c == nil {
		c = &prewarmSpec{}
		w.specs[fn.Ref] = c
	} else if !c.stale && c.kept.Same(fn) {
		c.seen(w.passes)
		w.byPlace[i] = c
		return c
	}
	// The one label parse: a function whose labels the scaler refuses is
	// not pre-warmed either.
	spec, err := scaler.ParseSpec(*fn, w.cfg.Defaults)
	zero := c.zero && c.pass == w.passes // the function listed twice, with other labels
	*c = prewarmSpec{ref: fn.Ref,
		want: err == nil && spec.Zero && spec.ZeroDurationAuto, zero: zero, max: spec.Max, min: spec.Min,
		pass: w.passes, warmedAt: c.warmedAt, proposed: c.proposed}
	c.kept.Keep(fn)
	// The plan prices the replicas a pre-warm starts, which these bound
	// (due): the policy is told at each parse, not at each pass.
	if c.want {
		w.cfg.Policy.setBounds(fn.Ref, c.min, c.max)
	} else {
		w.cfg.Policy.dropBounds(fn.Ref)
	}
	w.byPlace[i] = c
	return c
}

// seen marks c listed by pass.
func (c *prewarmSpec) seen(pass uint64) {
	if c.pass != pass {
		c.pass, c.zero = pass, false
	}
}
