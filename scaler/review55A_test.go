package scaler

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Review 55A of ef08244 (a function deployed again under its name starts
// with a fresh state). Tests named Defect fail on the commit; Guard ones
// pass and pin what should keep holding.

// review55AStepLabels: step mode, step 2 (20 % of 10), floor 1.
func review55AStepLabels() map[string]string {
	return map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "20", LabelMin: "1", LabelDownWindow: "2m"}
}

// review55AFiring is the generated step alert's firing, received now.
func review55AFiring(ref provider.Ref, startsAt time.Time) Signal {
	return Signal{Ref: ref, Status: Firing, AlertName: "FunctionStepRateHigh", ScalingType: TypeStep,
		Fingerprint: "g", StartsAt: startsAt, Received: time.Now(), Repeats: true}
}

// TestReview55A_SignalQueuedBeforeRedeployIsKeptByEvaluatePending: the
// old "a"'s step alert fires and is queued (Notify); "a" is deleted and
// deployed again at 8 before the loop evaluates the queue with
// EvaluatePending (Run's wake for a signal). Review 55A found the first
// version dropping such a signal in a Tick but not here (EvaluatePending
// takes its queue before the listing); now both keep it (the alert is
// about the name's series, which the new deployment inherits), and the
// two paths agree. Seen failing (as written by the review, wanting 8):
// "10 replicas after EvaluatePending, want 8".
func TestReview55A_SignalQueuedBeforeRedeployIsKeptByEvaluatePending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := function(refA, 4, review55AStepLabels())
		old.CreatedAt = time.Now().Add(-time.Hour)
		e := newLoopEnv(t, func(cfg *LoopConfig) { cfg.Interval = time.Hour }, old)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(10 * time.Second)
		if err := e.loop.Notify(t.Context(), review55AFiring(refA, time.Now().Add(-10*time.Second))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		redeploy(e, refA, function(refA, 8, review55AStepLabels()))
		time.Sleep(time.Second)
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 10 {
			f, _ := e.loop.Explain(refA)
			t.Errorf("the new function at 8, the name's alert queued before it was deployed: %d replicas after EvaluatePending, want 10 (decisions %+v)",
				got, f.Decisions)
		}
	})
}

// TestReview55A_FiringReceivedAfterRedeployDroppedOnClockSkew: the
// API server's clock (CreatedAt) runs 30 s ahead of the controller's
// (Signal.Received). "a" is deployed again; a firing of the new function's
// alert arrives 2 s later by either clock's measure. redeployedLocked
// compares the two clocks (Received.Before(CreatedAt)) and drops it as
// the old one's; the webhook answered 200, so it is lost until
// AlertManager's repeat interval. (With the Kubernetes provider's
// hashed sub-second CreatedAt, up to 1 s of it needs no skew at all.)
//
// Fixed (session 55): a redeploy no longer drops a queued signal (the
// name's alert is about the load the new deployment serves); failed
// before: "8 replicas, want 10".
func TestReview55A_FiringReceivedAfterRedeployDroppedOnClockSkew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const skew = 30 * time.Second
		old := function(refA, 4, review55AStepLabels())
		old.CreatedAt = time.Now().Add(-time.Hour)
		e := newLoopEnv(t, func(cfg *LoopConfig) { cfg.Interval = time.Hour }, old)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(10 * time.Second)
		e.prov.remove(refA)
		fresh := function(refA, 8, review55AStepLabels())
		fresh.CreatedAt = time.Now().Add(skew) // stamped by the API server's clock
		e.prov.set(fresh)
		time.Sleep(2 * time.Second)
		if err := e.loop.Notify(t.Context(), review55AFiring(refA, time.Now().Add(-time.Second))); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 10 {
			f, _ := e.loop.Explain(refA)
			t.Errorf("a firing received 2 s after the re-creation, API server clock %v ahead: %d replicas, want 10 (stepped up; decisions %+v)",
				skew, got, f.Decisions)
		}
	})
}

// review55AProvider is the loop's view of a testProvider whose listings
// and reads may leave CreatedAt out (hide: a provider that gives it only
// sometimes) or give an older one (stale: a lagging cache). The actuator
// writes through the testProvider itself.
type review55AProvider struct {
	*testProvider
	mu    sync.Mutex
	hide  bool
	stale time.Time // non-zero: reads give this CreatedAt
}

func (p *review55AProvider) edit(fn provider.Function) provider.Function {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.hide:
		fn.CreatedAt = time.Time{}
	case !p.stale.IsZero():
		fn.CreatedAt = p.stale
	}
	return fn
}

func (p *review55AProvider) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	fns, err := p.testProvider.Functions(ctx, ns)
	for i := range fns {
		fns[i] = p.edit(fns[i])
	}
	return fns, err
}

func (p *review55AProvider) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	fn, err := p.testProvider.Function(ctx, ref)
	return p.edit(fn), err
}

func (p *review55AProvider) set(hide bool, stale time.Time) {
	p.mu.Lock()
	p.hide, p.stale = hide, stale
	p.mu.Unlock()
}

// TestReview55A_OldIntentListedWithoutCreatedAtMarksTheNewState:
// "a" was listed with its CreatedAt, then once without (the provider gives
// it only sometimes): the scale-up decided on that listing names no
// creation time, and its write is held while "a" is deleted and deployed
// again at 2. The outcome guard (Intent.Created earlier than the state's)
// cannot tell a zero Created from the new function's, so the old write's
// outcome marks the new state's record of the same seq. Worse, the
// actuator cannot tell the functions apart either (no Created to check):
// the old one's scale-up lands on the new one. The state knew the old
// function's creation time (fs.created); proposing with it when the
// listing omits one would have the write refused (gone), and keying the
// outcome by the state it was decided on (the closure holding fs, checking
// l.fns[ref] == fs) would keep it off the new state's records.
//
// Fixed (session 55) as suggested: intents name the state's creation time
// (fnState.created, the latest listed) and outcomes are kept by the state
// decided on. Failed before: "decision {… stabilising … Result:ok}
// carries the old intent's outcome", "deployed at 2, no load: 23 replicas".
func TestReview55A_OldIntentListedWithoutCreatedAtMarksTheNewState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "50"}
		old := function(refA, 1, labels)
		old.CreatedAt = time.Now().Add(-time.Hour)
		var view *review55AProvider
		var pool *actuator.Actuator
		e := newLoopEnv(t, func(c *LoopConfig) {
			tp := c.Provider.(*testProvider)
			view = &review55AProvider{testProvider: tp}
			c.Provider = view
			pool = newActuatorOn(t, tp, nil, false, nil)
			c.Actuator = pool
		}, old)
		ctx, cancel := context.WithCancel(t.Context())
		stopped := pool.Start(ctx)
		defer func() { cancel(); <-stopped }()
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil { // listed with its CreatedAt
			t.Fatal(err)
		}
		synctest.Wait()
		time.Sleep(5 * time.Second)
		view.set(true, time.Time{})
		e.src.Set("rps", refA, 1000)
		release := e.prov.Block(refA)
		defer release()
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.prov.WaitHeld(t.Context(), refA, 1); err != nil {
			t.Fatal(err)
		}
		seqOf := func() uint32 {
			e.loop.mu.Lock()
			defer e.loop.mu.Unlock()
			h := e.loop.fns[refA].history
			return h[len(h)-1].Seq
		}
		oldSeq := seqOf()

		// Within the actuator's call timeout (10 s): the held write runs
		// its compare on the new function once released.
		time.Sleep(time.Second)
		view.set(false, time.Time{})
		redeploy(e, refA, function(refA, 2, labels))
		e.src.Set("rps", refA, 0)
		for i := 0; i == 0 || seqOf() < oldSeq; i++ {
			if i > 5 {
				t.Fatalf("control: the new function's records never reached the old intent's seq %d", oldSeq)
			}
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
		}
		if got := seqOf(); got != oldSeq {
			t.Fatalf("control: the new function's last record is seq %d, want the old intent's %d", got, oldSeq)
		}
		release()
		synctest.Wait()
		checkNotTheOldIntents(t, e, 2, "deployed at 2, no load: the old function's scale-up, decided on a listing without CreatedAt, must not land on it")
	})
}

// TestReview55A_NewStatesOwnOutcomeDroppedOnALaggingRead: "a" is
// deployed again and a pass lists the new one (the state is made afresh,
// created T2). A read of "a" from a lagging cache then gives the old
// CreatedAt T1, which redeployedLocked rightly keeps the state for; the
// scale-up decided on it names T1. The actuator refuses the write (gone:
// another function than T1's), and the outcome guard (T1 earlier than
// the state's T2) throws that outcome away as the predecessor's: the new
// state's own record says "submitted" for good, and its undo never runs.
//
// Fixed (session 55): the intent names the state's creation time (T2),
// and the outcome is kept by state identity. Failed before: "last
// decision [{… burst … Result:submitted}]".
func TestReview55A_NewStatesOwnOutcomeDroppedOnALaggingRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "50"}
		t1 := time.Now().Add(-time.Hour)
		old := function(refA, 1, labels)
		old.CreatedAt = t1
		var view *review55AProvider
		e := newLoopEnv(t, func(c *LoopConfig) {
			view = &review55AProvider{testProvider: c.Provider.(*testProvider)}
			c.Provider = view // the default actuator writes through the testProvider
		}, old)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		redeploy(e, refA, function(refA, 1, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil { // lists the new one
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		view.set(false, t1) // a lagging read
		e.src.Set("rps", refA, 1000)
		d, err := e.loop.EvaluateNow(t.Context(), refA, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if !d.Scale {
			t.Fatalf("control: the decision on the lagging read scales nothing: %+v", d)
		}
		f, _ := e.loop.Explain(refA)
		if len(f.Decisions) == 0 || f.Decisions[0].Result == "submitted" {
			t.Errorf("the new function's own scale-up (decided on a read with the older CreatedAt): last decision %+v; want its outcome (gone) recorded, not submitted for good",
				f.Decisions)
		}
	})
}

// TestReview55A_RedeployInOneNamespaceLeavesTheSameNameInAnother:
// "a" in two namespaces; the one in openfaas-fn is deployed again. The
// other's state (the same pointer, its recommendations, its decisions)
// and its queued signal are its own and stay.
func TestReview55A_RedeployInOneNamespaceLeavesTheSameNameInAnother(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		other := provider.Ref{Name: refA.Name, Namespace: "team"}
		a := function(refA, 4, review55AStepLabels())
		a.CreatedAt = time.Now().Add(-time.Hour)
		b := function(other, 4, review55AStepLabels())
		b.CreatedAt = time.Now().Add(-time.Hour)
		e := newLoopEnv(t, func(cfg *LoopConfig) { cfg.Interval = time.Hour }, a, b)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		e.loop.mu.Lock()
		before := e.loop.fns[other]
		e.loop.mu.Unlock()
		time.Sleep(10 * time.Second)
		if err := e.loop.Notify(t.Context(), review55AFiring(other, time.Now().Add(-10*time.Second))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		redeploy(e, refA, function(refA, 8, review55AStepLabels()))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		e.loop.mu.Lock()
		after, newA := e.loop.fns[other], e.loop.fns[refA]
		e.loop.mu.Unlock()
		if after != before || after.forgotten {
			t.Errorf("team/a's state replaced (%p → %p, forgotten %v) when openfaas-fn/a was deployed again", before, after, after.forgotten)
		}
		if newA == nil || newA.created != InstantOf(e.prov.mustCreated(t, refA)) {
			t.Errorf("openfaas-fn/a: state %+v, want the new function's", newA)
		}
		if got := e.prov.replicas(other); got != 6 {
			t.Errorf("team/a, its own firing queued: %d replicas, want 6 (stepped up by 2)", got)
		}
		if got := e.prov.replicas(refA); got != 8 {
			t.Errorf("openfaas-fn/a deployed again at 8, no alert of its own: %d replicas, want 8", got)
		}
	})
}

// mustCreated is ref's CreatedAt as the provider holds it.
func (p *testProvider) mustCreated(t *testing.T, ref provider.Ref) time.Time {
	t.Helper()
	fn, err := p.Function(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return fn.CreatedAt
}

// TestReview55A_RedeployFoundByANewTermsFirstPass: a replica led,
// followed while "a" was deleted and deployed again, and leads again.
// The new term's first pass lists the new "a": its state is a first sight
// of the new function (created the new one's, the listed count its one
// recommendation), not the termPass refresh of the old one's (which keeps
// the old recommendations and records).
func TestReview55A_RedeployFoundByANewTermsFirstPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "50"}
		old := function(refA, 1, labels)
		old.CreatedAt = time.Now().Add(-time.Hour)
		e := newLoopEnv(t, func(cfg *LoopConfig) { cfg.Interval = time.Hour }, old)
		e.src.Set("rps", refA, 1000)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { _ = e.loop.Run(ctx); close(done) }()
		synctest.Wait()
		if got := e.prov.replicas(refA); got <= 1 {
			t.Fatalf("control: the first term's pass did not scale a up (%d)", got)
		}
		cancel()
		<-done

		time.Sleep(30 * time.Minute) // following
		redeploy(e, refA, function(refA, 3, labels))
		e.src.Set("rps", refA, 0)
		ctx2, cancel2 := context.WithCancel(t.Context())
		done2 := make(chan struct{})
		go func() { _ = e.loop.Run(ctx2); close(done2) }()
		synctest.Wait()
		e.loop.mu.Lock()
		fs := e.loop.fns[refA]
		recs := append([]Recommendation(nil), fs.recs...)
		created, n := fs.created, len(fs.history)
		e.loop.mu.Unlock()
		cancel2()
		<-done2
		if created != InstantOf(e.prov.mustCreated(t, refA)) || n != 1 {
			t.Errorf("the new term's first pass: state created %d with %d records, want the new function's (%d) with its one decision",
				created, n, InstantOf(e.prov.mustCreated(t, refA)))
		}
		for _, r := range recs {
			if r.Replicas != 3 {
				t.Errorf("the new function's recommendations %+v: want its listed 3 only", recs)
				break
			}
		}
		if got := e.prov.replicas(refA); got != 3 {
			t.Errorf("the new function, no load, within its first down window: %d replicas, want 3", got)
		}
	})
}
