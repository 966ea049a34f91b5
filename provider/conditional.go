package provider

import (
	"context"
	"errors"
	"fmt"
)

// ConditionalScaler is a Provider that can set replicas only if the desired
// count is still the one the caller saw: a compare-and-swap. The Kubernetes
// provider does it with the resourceVersion of the scale subresource, the
// memory provider under its lock.
type ConditionalScaler interface {
	// ScaleFrom sets the desired count to `to` if it is `from` now, and
	// returns a *ConflictError carrying the current count otherwise.
	ScaleFrom(ctx context.Context, ref Ref, from, to uint64) error
}

// ConflictError says a conditional write found another count than expected:
// someone else changed the function since the caller looked.
type ConflictError struct {
	Ref       Ref
	Expected  uint64
	Current   uint64
	Available uint64 // replicas available to serve when the conflict was found, as Function.AvailableReplicas counts them
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s has %d replicas, not the %d the decision was made on", e.Ref, e.Current, e.Expected)
}

// IsConflict reports whether err is a *ConflictError and returns it.
func IsConflict(err error) (*ConflictError, bool) {
	if err == nil {
		return nil, false // before errors.As, whose target escapes: the actuator asks twice per write
	}
	var c *ConflictError
	ok := errors.As(err, &c)
	return c, ok
}

// ScaleIf sets ref's replicas from `from` to `to`, never over a count it did
// not expect. A ConditionalScaler does it atomically; any other provider (the
// OpenFaaS API has no conditional write) reads the function first and
// compares, which narrows the race to one round trip. Either way a changed
// count yields a *ConflictError, so the caller re-decides instead of
// overwriting blindly. The compare covers one write only: such a provider's
// Scale must not repeat a write that may have landed (the OpenFaaS client
// sends a scale once), since the repeat would land on a count nobody
// compared, undoing a change made meanwhile.
func ScaleIf(ctx context.Context, p Provider, ref Ref, from, to uint64) error {
	if c, ok := p.(ConditionalScaler); ok {
		return c.ScaleFrom(ctx, ref, from, to)
	}
	fn, err := p.Function(ctx, ref)
	if err != nil {
		return err
	}
	if fn.Replicas != from {
		return &ConflictError{Ref: ref, Expected: from, Current: fn.Replicas, Available: fn.AvailableReplicas}
	}
	return p.Scale(ctx, ref, to)
}
