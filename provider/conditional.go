package provider

import (
	"context"
	"errors"
	"fmt"
	"time"
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

// CreatedScaler is a ConditionalScaler whose write can also be held to the
// function the caller saw: ScaleFromCreated writes only when the function
// under ref is still the one deployed at created, and otherwise returns an
// error wrapping ErrNotFound (ReplacedError) and writes nothing. A decision
// made on one function must not land on another deployed under its name
// since (deleted and deployed again while an idler cycle read its
// activity): with the same count, a compare of the count alone took it.
type CreatedScaler interface {
	ScaleFromCreated(ctx context.Context, ref Ref, from, to uint64, created time.Time) error
}

// ReplacedError says the function a decision was made on is gone and
// another was deployed under its name since: it wraps ErrNotFound, as the
// function written about no longer exists.
type ReplacedError struct {
	Ref      Ref
	Expected time.Time // the creation time the caller listed
	Current  time.Time // the creation time of the function now under the name
}

func (e *ReplacedError) Error() string {
	return fmt.Sprintf("%s: %s was deployed again at %s, after the listing the decision was made on (of the function created at %s)",
		ErrNotFound, e.Ref, e.Current.UTC().Format(time.RFC3339), e.Expected.UTC().Format(time.RFC3339))
}

func (e *ReplacedError) Unwrap() error { return ErrNotFound }

// CheckCreated returns a *ReplacedError when current (the creation time of
// the function now under ref) is not created (the one the caller listed),
// nil when they agree or either is unknown (zero): a provider that does
// not say when a function was deployed cannot tell one from its successor.
func CheckCreated(ref Ref, created, current time.Time) error {
	if created.IsZero() || current.IsZero() || current.Equal(created) {
		return nil
	}
	return &ReplacedError{Ref: ref, Expected: created, Current: current}
}

// ScaleIf sets ref's replicas from `from` to `to`, never over a count it did
// not expect, nor on another function than the one deployed at created
// (zero: not known, the count alone is compared). A CreatedScaler does it
// atomically, a ConditionalScaler compares the count atomically after
// reading the function's creation time; any other provider (the OpenFaaS
// API has no conditional write) reads the function first and compares
// both, which narrows the race to one round trip. Either way a changed
// count yields a *ConflictError, so the caller re-decides instead of
// overwriting blindly, and a function deployed again under the name a
// *ReplacedError. The compare covers one write only: such a provider's
// Scale must not repeat a write that may have landed (the OpenFaaS client
// sends a scale once), since the repeat would land on a count nobody
// compared, undoing a change made meanwhile.
func ScaleIf(ctx context.Context, p Provider, ref Ref, from, to uint64, created time.Time) error {
	if c, ok := p.(CreatedScaler); ok && !created.IsZero() {
		return c.ScaleFromCreated(ctx, ref, from, to, created)
	}
	if c, ok := p.(ConditionalScaler); ok {
		if !created.IsZero() {
			fn, err := p.Function(ctx, ref)
			if err != nil {
				return err
			}
			if err := CheckCreated(ref, created, fn.CreatedAt); err != nil {
				return err
			}
		}
		return c.ScaleFrom(ctx, ref, from, to)
	}
	fn, err := p.Function(ctx, ref)
	if err != nil {
		return err
	}
	if err := CheckCreated(ref, created, fn.CreatedAt); err != nil {
		return err
	}
	if fn.Replicas != from {
		return &ConflictError{Ref: ref, Expected: from, Current: fn.Replicas, Available: fn.AvailableReplicas}
	}
	return p.Scale(ctx, ref, to)
}
