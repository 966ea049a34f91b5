package actuator

import (
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// What the actuator keeps per function, read by the proposers and the
// explain API, and dropped when the function is gone.

// Forget drops what the actuator remembers of a function that is gone,
// and its scale call series. A function with an intent running or queued
// keeps its slot (and its series, which that intent's call may still
// count) until they are done, then loses them, unless it is proposed again
// meanwhile: the caller (the scaler, when the function leaves its listing)
// forgets once, so a Forget that was merely refused would keep the slot
// for good.
func (a *Actuator) Forget(ref provider.Ref) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.slots[ref]; ok {
		s.forgotten = true
		a.dropIfForgotten(ref, s)
		return
	}
	a.m.forget(ref)
}

// dropIfForgotten deletes ref's slot s, forgotten, once it runs and
// queues nothing, with its scale call series: every call of the slot's has
// been counted by then. a.mu is held.
func (a *Actuator) dropIfForgotten(ref provider.Ref, s *slot) {
	if s.forgotten && !s.busy && !s.hasNext {
		delete(a.slots, ref)
		a.m.forget(ref)
	}
}

// LastRaise is when who (any component when empty) last raised ref's count
// through the actuator (zero when never, or when the last write lowered it).
func (a *Actuator) LastRaise(ref provider.Ref, who Component) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[ref]
	if !ok || !s.last.Raised() || (who != "" && s.last.Who != who) {
		return time.Time{}
	}
	return s.last.At
}

// LastWrite returns the last write to ref (false when none).
func (a *Actuator) LastWrite(ref provider.Ref) (Write, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[ref]
	if !ok || s.last.At.IsZero() {
		return Write{}, false
	}
	return s.last, true
}

// History returns ref's recent outcomes, oldest first.
func (a *Actuator) History(ref provider.Ref) []Outcome {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.slots[ref]; ok {
		return slices.Clone(s.history)
	}
	return nil
}
