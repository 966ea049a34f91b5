package idler

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// Function re-created: deleted and deployed again under the same name
// between two cycles. The provider's CreatedAt tells the new function from
// the old one; what the idler kept of the old one (its refusal back-off,
// last action, wake) is not the new one's.

// refusedZero is the provider refusing zero once, as OpenFaaS CE does.
func refusedZero(r provider.Ref) error {
	return &provider.RefusedError{Ref: r, Replicas: 0, Status: 400, Message: "scale to zero is not supported"}
}

// explainOf is the idler's explanation of r.
func explainOf(t *testing.T, d *Idler, r provider.Ref) Explanation {
	t.Helper()
	e, ok := d.Explain(r)
	if !ok {
		t.Fatalf("%s not explained", r)
	}
	return e.(Explanation)
}

// TestRecreatedFunctionIsNotHeldByItsPredecessorsRefusal: the old "a" was
// refused zero (back-off 1h); a new "a" is idled as soon as its own
// keep-alive has passed, and the explain API shows neither the old
// function's refusal nor its last action meanwhile.
//
// Seen failing without the fix: the new function's explanation kept
// "scale to zero refused: provider refused 0 replicas for openfaas-fn/a: …"
// and refused_until an hour after the old refusal, and at 1m30s it was
// "refused" (idler), then, with the idler alone fixed, dropped by the
// actuator ("the provider refused 0; not asking again before …").
func TestRecreatedFunctionIsNotHeldByItsPredecessorsRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := ref("a")
		labels := optIn(LabelZeroDuration, "1m")
		e := newEnv(t, Config{RefusedBackoff: time.Hour}, function("a", 1, time.Now().Add(-time.Hour), labels))
		e.p.FailScale(a, 1, refusedZero(a))
		start := time.Now()
		if v := verdictOf(e.d.RunOnce(t.Context(), start), a); v.Code != CodeRefused {
			t.Fatalf("old function: %s (%s), want refused", v.Code, v.Reason)
		}
		if x := explainOf(t, e.d, a); !strings.HasPrefix(x.LastAction, "scale to zero refused") || x.RefusedUntil.IsZero() {
			t.Fatalf("old function: explained %+v, want its refusal", x)
		}

		time.Sleep(10 * time.Second)
		if err := e.p.Remove(a); err != nil {
			t.Fatal(err)
		}
		if err := e.p.Deploy(function("a", 1, time.Now(), labels)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Second)
		if v := verdictOf(e.d.RunOnce(t.Context(), time.Now()), a); v.Code != CodeTooYoung {
			t.Fatalf("new function at 20s: %s (%s), want too_young", v.Code, v.Reason)
		}
		if x := explainOf(t, e.d, a); x.LastAction != "" || !x.LastActionAt.IsZero() || !x.RefusedUntil.IsZero() {
			t.Errorf("new function: explained last action %q at %v, refused until %v; want none (they were the old function's)",
				x.LastAction, x.LastActionAt, x.RefusedUntil)
		}

		time.Sleep(time.Minute) // the new function's keep-alive has passed
		rep := e.d.RunOnce(t.Context(), time.Now())
		if v := verdictOf(rep, a); v.Code != CodeIdle {
			t.Errorf("new function after its keep-alive: %s (%s), want idle", v.Code, v.Reason)
		}
		if n := e.p.replicas(a); n != 0 {
			t.Errorf("new function: %d replicas, want 0", n)
		}
		if x := explainOf(t, e.d, a); x.LastAction != "scaled to zero" {
			t.Errorf("new function: last action %q, want scaled to zero", x.LastAction)
		}
	})
}

// TestRecreatedFunctionWasNotWoken: the old "a" was at zero; a new "a"
// listed with a replica was deployed, not woken from zero, and is idled
// once its keep-alive since deployment has passed.
//
// Seen failing without the fix: at 1m5s of its age the new function was
// "recently_scaled" ("woken from zero 55s ago, keep-alive 1m0s").
func TestRecreatedFunctionWasNotWoken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := ref("a")
		labels := optIn(LabelZeroDuration, "1m")
		e := newEnv(t, Config{}, function("a", 0, time.Now().Add(-time.Hour), labels))
		if v := verdictOf(e.d.RunOnce(t.Context(), time.Now()), a); v.Code != CodeAlreadyZero {
			t.Fatalf("old function: %s (%s), want already_zero", v.Code, v.Reason)
		}
		time.Sleep(20 * time.Second)
		if err := e.p.Remove(a); err != nil {
			t.Fatal(err)
		}
		if err := e.p.Deploy(function("a", 1, time.Now(), labels)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		if v := verdictOf(e.d.RunOnce(t.Context(), time.Now()), a); v.Code != CodeTooYoung {
			t.Fatalf("new function at 10s: %s (%s), want too_young", v.Code, v.Reason)
		}
		time.Sleep(55 * time.Second)
		if v := verdictOf(e.d.RunOnce(t.Context(), time.Now()), a); v.Code != CodeIdle {
			t.Errorf("new function at 1m5s: %s (%s), want idle (it was deployed, not woken)", v.Code, v.Reason)
		}
	})
}

// createdUnknown lists its functions without a creation time, as a
// provider that does not say.
type createdUnknown struct{ *testProvider }

func (p createdUnknown) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	fns, err := p.testProvider.Functions(ctx, ns)
	for i := range fns {
		fns[i].CreatedAt = time.Time{}
	}
	return fns, err
}

// TestUnknownCreationKeepsTheState: without a creation time the idler
// cannot tell a new function from the old, and keeps what it knows (the
// refusal back-off): asking again each cycle is what the back-off is for.
func TestUnknownCreationKeepsTheState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := ref("a")
		labels := optIn(LabelZeroDuration, "1m")
		p := newTestProvider(t, memory.Options{}, function("a", 1, time.Now().Add(-time.Hour), labels))
		p.FailScale(a, 1, refusedZero(a))
		d, err := New(Config{Provider: createdUnknown{p}, Actuator: newActuator(t, p, false),
			Source: newFakeSource(time.Now().Add(-24 * time.Hour)), RefusedBackoff: time.Hour, Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		d.RunOnce(t.Context(), time.Now()) // first seen: too young
		time.Sleep(time.Minute)
		if v := verdictOf(d.RunOnce(t.Context(), time.Now()), a); v.Code != CodeRefused {
			t.Fatalf("seen for its keep-alive: %s (%s), want refused", v.Code, v.Reason)
		}
		time.Sleep(10 * time.Second)
		if err := p.Remove(a); err != nil {
			t.Fatal(err)
		}
		if err := p.Deploy(function("a", 1, time.Now(), labels)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Minute)
		if v := verdictOf(d.RunOnce(t.Context(), time.Now()), a); v.Code != CodeRefused {
			t.Errorf("creation unknown: %s (%s), want refused (the state is kept)", v.Code, v.Reason)
		}
		if x := explainOf(t, d, a); x.RefusedUntil.IsZero() {
			t.Errorf("creation unknown: explained %+v, want the refusal kept", x)
		}
	})
}

// TestRecreatedDuringACycleIsNotIdled: the cycle lists the old "a"
// (deployed two days ago, quiet, idle), and while its activity is being
// read (between the first query and the re-check, a slow Prometheus) "a" is
// deleted and deployed again under the same name with one replica. The
// scale to zero decided for the old function must not land on the new one,
// which is seconds old (too young for any keep-alive): the write was
// conditional on the count only (1→0), which the new function also has.
// Now the intent's creation time holds it to the old function
// (provider.ScaleIf), and the cycle says the function is gone.
//
// Seen failing before the fix (found by a review): the new "a", deployed
// 0s ago, was scaled to 0 replicas by the cycle that judged its
// predecessor idle (verdict idle: never invoked (no series) in the last
// 1m0s); want 1
func TestRecreatedDuringACycleIsNotIdled(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	a := ref("a")
	labels := optIn(LabelZeroDuration, "1m")
	e := newEnv(t, Config{}, function("a", 1, old, labels))
	var redeployed time.Time
	e.src.onQuery = func(n int) {
		if n != 1 {
			return
		}
		if err := e.p.Remove(a); err != nil {
			t.Error(err)
		}
		redeployed = time.Now()
		if err := e.p.Deploy(function("a", 1, redeployed, labels)); err != nil {
			t.Error(err)
		}
	}
	rep := e.d.RunOnce(t.Context(), time.Now())
	fn, err := e.p.Function(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if !fn.CreatedAt.Equal(redeployed) {
		t.Fatalf("the provider holds a created at %v, want the new one %v", fn.CreatedAt, redeployed)
	}
	if fn.Replicas != 1 {
		t.Errorf("the new \"a\", deployed %s ago, was scaled to %d replicas by the cycle that judged its predecessor idle (verdict %s: %s); want 1",
			time.Since(redeployed).Round(time.Millisecond), fn.Replicas, verdictOf(rep, a).Code, verdictOf(rep, a).Reason)
	}
	if got := explainOf(t, e.d, a).LastAction; !strings.Contains(got, "deployed again") {
		t.Errorf("last action %q; want it to say the function was deployed again", got)
	}
}
