package metricsource

import (
	"context"
	"fmt"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Part names which of a capacity reading's two parts was the larger (see
// TypeCapacity): the in-flight gauge's peak, or the concurrency the
// arrivals of a scrape interval brought. They differ in what an operator
// should look at when a count surprises: a gauge peak counts every request
// the gateway holds, those waiting for a replica included; the arrivals
// part is the started counter's rate × the mean duration, which a burst
// between two scrapes shows and the gauge may miss.
type Part uint8

const (
	PartUnknown  Part = iota // not said: another type, or a source that does not tell
	PartGauge                // the in-flight gauge's peak (also when the two are equal)
	PartArrivals             // the arrivals' concurrency: started rate × mean duration
)

var partNames = [...]string{PartUnknown: "", PartGauge: "gauge", PartArrivals: "arrivals"}

// String is the part's name as the API writes it ("" when unknown).
func (p Part) String() string {
	if int(p) < len(partNames) {
		return partNames[p]
	}
	return fmt.Sprintf("Part(%d)", p)
}

// Words is how a reason says the part: what the reading was.
func (p Part) Words() string {
	switch p {
	case PartGauge:
		return "in-flight peak"
	case PartArrivals:
		return "arrivals × mean duration"
	}
	return ""
}

// MarshalText writes the part's name, so JSON says "gauge", not 1.
func (p Part) MarshalText() ([]byte, error) {
	if int(p) >= len(partNames) {
		return nil, fmt.Errorf("metricsource: unknown part %d", p)
	}
	return []byte(partNames[p]), nil
}

// UnmarshalText reads a name MarshalText wrote.
func (p *Part) UnmarshalText(b []byte) error {
	for i, n := range partNames {
		if n == string(b) {
			*p = Part(i)
			return nil
		}
	}
	return fmt.Errorf("metricsource: unknown part %q (want gauge, arrivals or empty)", b)
}

// Parts maps functions to the part their capacity reading came from, for
// the readings that did not come from the gauge: a source that says parts
// answers a non-nil Parts, and a function with a reading that is absent
// from it came from the gauge. So an idle fleet's answer (both parts 0,
// read as the gauge) is empty, not a map entry a function.
type Parts map[provider.Ref]Part

// Of is the part of ref's reading in vals, which p came with: unknown when
// p is nil (not said) or ref has no reading.
func (p Parts) Of(ref provider.Ref, vals Values) Part {
	_, has := vals[ref]
	return p.For(ref, has)
}

// For is Of for a caller that has looked ref up in the values already:
// has says whether ref has a reading. The scaler asks it of every function
// every pass, where the values' second lookup was a tenth of a replay's
// map work.
func (p Parts) For(ref provider.Ref, has bool) Part {
	if p == nil {
		return PartUnknown
	}
	if part, ok := p[ref]; ok {
		return part
	}
	if has {
		return PartGauge
	}
	return PartUnknown
}

// PartedLoad is implemented by sources that can say, with a capacity
// reading, which part it came from. Other types, and sources without it,
// answer no parts.
type PartedLoad interface {
	// LoadParts is Load (refs nil) or LoadFor (refs set) with, for the
	// capacity type, the parts (non-nil, see Parts); nil parts for other
	// types.
	// With a *PartialError it may return values and parts too: each value
	// a lower bound of its function's load (see PartialError); with any
	// other error none.
	LoadParts(ctx context.Context, q LoadQuery, refs []provider.Ref) (Values, Parts, error)
}

// LoadParts asks src for q's load with its parts when src can say them:
// of every function when refs is nil, else of refs (through SubsetLoad when
// src has it). Without PartedLoad the parts are nil.
func LoadParts(ctx context.Context, src Source, q LoadQuery, refs []provider.Ref) (Values, Parts, error) {
	if p, ok := src.(PartedLoad); ok {
		return p.LoadParts(ctx, q, refs)
	}
	var v Values
	var err error
	if refs == nil {
		v, err = src.Load(ctx, q)
	} else {
		v, err = LoadFor(ctx, src, q, refs)
	}
	return v, nil, err
}
