package memory

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview51ADReplacementInTheSameInstantIsAnotherFunction: a function
// removed and deployed again under its name is another function, and
// ScaleFromCreated exists so that a decision made on the first (the idler's
// 1 → 0) does not land on the second. Deploy stamps CreatedAt with the
// clock's now, so a replacement made at the same instant as its
// predecessor's deploy carries the very same CreatedAt: under virtual time
// (a synctest bubble, the simulator's clock) that is every Remove+Deploy
// with no wait in between. The check then passes and the predecessor's
// decision scales the new function to zero.
//
// The Kubernetes provider had the same hole with whole-second
// creationTimestamps and closed it (provider/kubernetes/created.go:
// hashedCreatedAt + createdOrder make a same-second replacement's CreatedAt
// later than its predecessor's, which the actuator also relies on to forget
// the predecessor's state). Expected here: a replacement deployed with a
// zero CreatedAt gets one later than any its predecessor under the name
// had, so ScaleFromCreated with the old stamp fails with a
// *provider.ReplacedError and changes nothing.
func TestReview51ADReplacementInTheSameInstantIsAnotherFunction(t *testing.T) {
	for _, viaRemove := range []bool{true, false} {
		name := "deployed over"
		if viaRemove {
			name = "removed then deployed"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(clock.Real(), Options{})
				mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
				old, err := p.Function(t.Context(), figlet)
				if err != nil {
					t.Fatal(err)
				}
				if viaRemove {
					if err := p.Remove(figlet); err != nil {
						t.Fatal(err)
					}
				}
				mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1}) // the replacement, same instant
				now, _ := p.Function(t.Context(), figlet)

				err = p.ScaleFromCreated(t.Context(), figlet, 1, 0, old.CreatedAt)
				var replaced *provider.ReplacedError
				if !errors.As(err, &replaced) {
					t.Errorf("remove first %v: ScaleFromCreated(1→0) decided on the predecessor (created %v) returned %v on its replacement (created %v); want a *provider.ReplacedError",
						viaRemove, old.CreatedAt, err, now.CreatedAt)
				}
				if got := replicas(t, p, figlet)[0]; got != 1 {
					t.Errorf("remove first %v: the replacement has %d replicas after a decision made on its predecessor; want 1", viaRemove, got)
				}
			})
		})
	}
}

// TestReview51ADInjectedFailureComesBeforeTheConditionalCheck: FailScale
// makes "the next n Scale calls for ref return err" — a provider that is
// down. Scale and a ScaleFrom on a missing function take the fault first
// (scale.go), but ScaleFrom/ScaleFromCreated on an existing function compare
// the count (and creation time) before it (conditional.go:28-37): a "down"
// provider answers a stale write with a *provider.ConflictError carrying the
// current and available counts it could not have told, and the injected
// failure is not consumed, so it hits the caller's next, re-decided write
// instead. A real conditional provider (Kubernetes: GET the scale, compare,
// PUT) fails with the transport error before any compare. Expected: the
// first call returns the injected error, and the second (with the right
// count) succeeds.
func TestReview51ADInjectedFailureComesBeforeTheConditionalCheck(t *testing.T) {
	p := New(clock.Real(), Options{})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 2})
	down := errors.New("gateway down")
	p.FailScale(figlet, 1, down)

	err1 := p.ScaleFrom(t.Context(), figlet, 1, 3) // stale from: the provider is down
	if !errors.Is(err1, down) {
		t.Errorf("ScaleFrom on a provider injected down returned %v; want the injected %q", err1, down)
	}
	err2 := p.ScaleFrom(t.Context(), figlet, 2, 3)
	if err2 != nil {
		t.Errorf("the next ScaleFrom, with the right count, after the one injected failure was spent: %v; want success", err2)
	}
}
