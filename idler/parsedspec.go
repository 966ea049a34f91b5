package idler

import (
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// parsedSpec is one function's labels parsed, kept with the labels,
// annotations (compared by content: a listing decodes fresh maps, but for
// the very labels map kept, found by its address: scaler.KeptLabels) and
// defaults it was parsed from. Parsing every function's labels every cycle
// was a fifth of a cycle over 10,000 functions. Touched only by cycles.
type parsedSpec struct {
	kept scaler.KeptLabels // the labels and annotations it was parsed from
	gen  uint64            // Idler.specGen of the defaults it was parsed under; 0 = never parsed
	// spec is interned by a parse (scaler.Intern) and never changed (a new
	// parse points at another): a pointer, shared with the scaler's parse
	// and with every function configured alike, not a Spec kept in every
	// function's state between cycles.
	spec *scaler.Spec
	// failed is the parse's error (nil: none), behind a pointer: a parse
	// rarely fails, and inline its 16 bytes took fnState past its 144-byte
	// size class once the labels' address was kept too (kept).
	failed *error
}

// of returns fn's spec under defaults (numbered gen), parsing only when
// the labels, the annotations or the defaults changed (parsed: it did). It
// compares the defaults' number, not a copy of them: a copy was 136 bytes
// per function; and it takes both by pointer, not copied per function
// per cycle. The spec returned is the kept one: never change it.
func (c *parsedSpec) of(fn *provider.Function, defaults *scaler.Defaults, gen uint64) (spec *scaler.Spec, parsed bool, err error) {
	if c.gen == gen && c.spec != nil && c.kept.Same(fn) {
		if c.failed != nil {
			err = *c.failed
		}
		return c.spec, false, err
	}
	s, err := scaler.ParseSpec(*fn, *defaults)
	c.spec, c.failed = scaler.Intern(s), nil
	if err != nil {
		e := err // only a failed parse's goes to the heap
		c.failed = &e
	}
	c.kept.Keep(fn)
	c.gen = gen
	return c.spec, true, err
}
