package provider

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestIsConflict: a conflict is found through wrapping, anything else is
// not one, and asking about no error allocates nothing (the actuator asks
// after every write).
func TestIsConflict(t *testing.T) {
	conflict := &ConflictError{Ref: Ref{Name: "f", Namespace: "fn"}, Expected: 1, Current: 2}
	if c, ok := IsConflict(fmt.Errorf("scale: %w", conflict)); !ok || c != conflict {
		t.Errorf("wrapped conflict: %v, %v", c, ok)
	}
	for _, err := range []error{nil, errors.New("boom"), ErrNotFound} {
		if c, ok := IsConflict(err); ok || c != nil {
			t.Errorf("IsConflict(%v) = %v, %v; want none", err, c, ok)
		}
	}
	if n := testing.AllocsPerRun(100, func() { IsConflict(nil) }); n != 0 {
		t.Errorf("IsConflict(nil) allocates %v times", n)
	}
}

// oneFunction is a provider of one function with no conditional write (as
// the OpenFaaS API has none); its writes are recorded.
type oneFunction struct {
	fn     Function
	writes []uint64
}

func (p *oneFunction) Namespaces(context.Context) ([]string, error) {
	return []string{p.fn.Namespace}, nil
}
func (p *oneFunction) Functions(context.Context, string) ([]Function, error) {
	return []Function{p.fn}, nil
}
func (p *oneFunction) Function(_ context.Context, ref Ref) (Function, error) {
	if ref != p.fn.Ref {
		return Function{}, ErrNotFound
	}
	return p.fn, nil
}
func (p *oneFunction) Scale(_ context.Context, _ Ref, n uint64) error {
	p.writes = append(p.writes, n)
	p.fn.Replicas = n
	return nil
}

// conditionalOnly compares the count atomically but cannot tell one
// function from another deployed under its name.
type conditionalOnly struct{ *oneFunction }

func (p conditionalOnly) ScaleFrom(ctx context.Context, ref Ref, from, to uint64) error {
	if p.fn.Replicas != from {
		return &ConflictError{Ref: ref, Expected: from, Current: p.fn.Replicas}
	}
	return p.Scale(ctx, ref, to)
}

// TestScaleIfWritesOnlyTheFunctionListed: through a provider that cannot
// make the write conditional on the function's identity itself, ScaleIf
// compares the creation time it reads with the one the decision's listing
// had, and a function deployed again under the name is not written (a
// *ReplacedError, which is ErrNotFound); with either time unknown (zero)
// only the count is compared, as before.
//
// Seen failing before the fix (found by a review; the idler's
// TestRecreatedDuringACycleIsNotIdled through the memory provider): the
// new "a", deployed 0s ago, was scaled to 0 replicas by the cycle that
// judged its predecessor idle
func TestScaleIfWritesOnlyTheFunctionListed(t *testing.T) {
	ref := Ref{Name: "a", Namespace: "fn"}
	old := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	again := old.Add(48 * time.Hour)
	for _, c := range []struct {
		name             string
		listed, deployed time.Time
		lands            bool
	}{
		{"decided on the function deployed before", old, again, false},
		{"decided on the function there", again, again, true},
		{"the decision's listing had no creation time", time.Time{}, again, true},
		{"the provider says no creation time", old, time.Time{}, true},
	} {
		for _, kind := range []string{"plain", "conditional", "instrumented conditional"} {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				one := &oneFunction{fn: Function{Ref: ref, Replicas: 1, CreatedAt: c.deployed}}
				var p Provider = one
				switch kind {
				case "conditional":
					p = conditionalOnly{one}
				case "instrumented conditional": // as the controller wires every provider
					p = Instrument(conditionalOnly{one}, nil)
				}
				err := ScaleIf(t.Context(), p, ref, 1, 0, c.listed)
				if c.lands {
					if err != nil || len(one.writes) != 1 {
						t.Errorf("err %v, writes %v; want the write to land", err, one.writes)
					}
					return
				}
				var replaced *ReplacedError
				if !errors.As(err, &replaced) || !errors.Is(err, ErrNotFound) {
					t.Errorf("err %v; want a *ReplacedError that is ErrNotFound", err)
				}
				if len(one.writes) != 0 {
					t.Errorf("writes %v to the function deployed again; want none", one.writes)
				}
			})
		}
	}
}
