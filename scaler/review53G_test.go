package scaler

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// review53GCodes records the actuator's codes for the loop's intents.
type review53GCodes struct {
	next  Actuator
	mu    sync.Mutex
	codes []actuator.Code
}

func (a *review53GCodes) Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome)) {
	a.next.Submit(ctx, in, func(o actuator.Outcome) {
		a.mu.Lock()
		a.codes = append(a.codes, o.Code)
		a.mu.Unlock()
		done(o)
	})
}

func (a *review53GCodes) all() []actuator.Code {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]actuator.Code(nil), a.codes...)
}

// review53GLagging is the loop's view of the provider through a cache that
// has not caught up with the last write yet (the Kubernetes provider reads
// functions from its informer's cache): while stale is set, ref reads as
// that count. The actuator writes to the provider itself.
type review53GLagging struct {
	Provider
	mu    sync.Mutex
	stale map[provider.Ref]uint64
}

func (p *review53GLagging) setStale(ref provider.Ref, n uint64, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stale == nil {
		p.stale = map[provider.Ref]uint64{}
	}
	if on {
		p.stale[ref] = n
	} else {
		delete(p.stale, ref)
	}
}

func (p *review53GLagging) fix(fn provider.Function) provider.Function {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, ok := p.stale[fn.Ref]; ok {
		fn.Replicas, fn.AvailableReplicas = n, n
	}
	return fn
}

func (p *review53GLagging) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	fns, err := p.Provider.Functions(ctx, namespace)
	for i := range fns {
		fns[i] = p.fix(fns[i])
	}
	return fns, err
}

func (p *review53GLagging) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	fn, err := p.Provider.Function(ctx, ref)
	if err != nil {
		return fn, err
	}
	return p.fix(fn), nil
}

type review53GEnv struct {
	*loopEnv
	rec *review53GCodes
	lag *review53GLagging
}

func newReview53GEnv(t *testing.T, labels map[string]string, replicas uint64) *review53GEnv {
	t.Helper()
	return newReview53GEnvWith(t, labels, replicas, nil)
}

func newReview53GEnvWith(t *testing.T, labels map[string]string, replicas uint64, edit func(*LoopConfig, *testProvider)) *review53GEnv {
	t.Helper()
	var rec *review53GCodes
	var lag *review53GLagging
	e := newLoopEnv(t, func(c *LoopConfig) {
		c.Interval = time.Hour
		if edit != nil {
			edit(c, c.Provider.(*testProvider))
		}
		rec = &review53GCodes{next: c.Actuator}
		c.Actuator = rec
		lag = &review53GLagging{Provider: c.Provider}
		c.Provider = lag
	}, function(refA, replicas, labels))
	return &review53GEnv{loopEnv: e, rec: rec, lag: lag}
}

func (e *review53GEnv) alert(t *testing.T, status AlertStatus, startsAt time.Time) {
	t.Helper()
	sig := Signal{Ref: refA, Status: status, AlertName: "APIHighInvocationRate", ScalingType: TypeStep,
		Fingerprint: "f", StartsAt: startsAt, Received: time.Now(), Repeats: true}
	if err := e.loop.Notify(t.Context(), sig); err != nil {
		t.Fatal(err)
	}
	if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
}

func (e *review53GEnv) tick(t *testing.T) {
	t.Helper()
	if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
}

func (e *review53GEnv) lastRecord() Record {
	e.loop.mu.Lock()
	defer e.loop.mu.Unlock()
	h := e.loop.fns[refA].history
	return h[len(h)-1]
}

// TestReview53GExactCEResolvedDropAfterItsOwnRaiseInFlightIsTriedAgain:
// exact CE steps 2→3 on a firing; the provider is slow (a loaded API
// server) and the raise has not landed when the alert's resolution comes.
// The scaler reads 2 and decides the drop 2→1, which the actuator runs
// after the raise and answers raised_since: the "raise since" is the
// scaler's own raise, decided before the resolution, not a newer intent.
// overtaken() owes nothing, exact CE holds without an alert, and the
// function stays at 3 for good although its alert resolved ("a resolved
// alert floors at max(min, 1, scheduled minimum)"; "a drop ... not applied
// is asked for again on a later pass: the resolution is not sent again").
func TestReview53GExactCEResolvedDropAfterItsOwnRaiseInFlightIsTriedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var pool *actuator.Actuator
		e := newReview53GEnvWith(t, review53BLabels, 2, func(c *LoopConfig, p *testProvider) {
			// A running pool: the loop's Submit returns at once, as in
			// the controller, and the write runs on a worker.
			pool = newActuatorOn(t, p, nil, false, nil)
			c.Actuator = pool
		})
		ctx, cancel := context.WithCancel(t.Context())
		stopped := pool.Start(ctx)
		defer func() { cancel(); <-stopped }()
		e.tick(t)
		release := e.prov.Block(refA)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started) // 2→3, held in the provider
		if got := e.prov.replicas(refA); got != 2 {
			t.Fatalf("setup: the raise was meant to be held: %d replicas", got)
		}
		time.Sleep(3 * time.Second)
		e.alert(t, Resolved, started) // read 2: drop 2→1, queued behind the raise
		time.Sleep(2 * time.Second)
		release()
		synctest.Wait()
		codes := e.rec.all()
		if len(codes) != 2 || codes[0] != actuator.CodeApplied {
			t.Fatalf("setup: want the raise applied and the drop answered (outcomes %v)", codes)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 1 {
			last := e.lastRecord()
			t.Errorf("exact CE: alert resolved while its own step up 2→3 was in flight (drop answered %s), 5m of passes since: %d replicas (last record %s %q), want the floor 1",
				codes[1], got, last.Code, last.Reason)
		}
	})
}

// TestReview53GExactCEResolvedDropOnALaggingReadIsTriedAgain: exact CE
// steps 2→3 on a firing (applied). The resolution comes while the loop's
// read of the function still shows 2 (the Kubernetes provider's informer
// cache behind the write). The drop 2→1 meets 3 at the conditional write:
// changed, with the count found (3) above the one decided on (2), which
// overtaken() takes for an outside raise since the decision. But the 3 is
// the controller's own earlier step, older than the resolution: the drop
// is owed (83a27b4 owed it). Since 0d44197 nothing is owed and the
// function stays at 3 for good once the cache catches up.
func TestReview53GExactCEResolvedDropOnALaggingReadIsTriedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReview53GEnv(t, review53BLabels, 2)
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		e.lag.setStale(refA, 2, true) // the cache has not seen the step yet
		time.Sleep(2 * time.Second)
		e.alert(t, Resolved, started)
		e.lag.setStale(refA, 0, false)
		codes := e.rec.all()
		if len(codes) != 2 || codes[1] != actuator.CodeChanged {
			t.Fatalf("setup: the drop was meant to find the step's 3 (outcomes %v)", codes)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 1 {
			last := e.lastRecord()
			t.Errorf("exact CE: alert resolved, its drop decided on a read that lagged the step 2→3 (answered changed), 5m of passes since: %d replicas (last record %s %q), want the floor 1",
				got, last.Code, last.Reason)
		}
	})
}

// TestReview53GOwedDropBelowAScheduledFloorIsNotWordedAsDone: the
// resolution's drop 3→1 was decided and not applied (owed from 3); a
// scheduled minimum of 4 is active on the next pass. The function is at
// the very count the drop was decided on: nothing landed, nothing else
// wrote. owedDrop's words say the drop was "found done: below the floor",
// telling the operator the resolution's drop was carried out.
func TestReview53GOwedDropBelowAScheduledFloorIsNotWordedAsDone(t *testing.T) {
	spec, err := ParseSpec(function(refA, 3, review53BLabels), testDefaults())
	if err != nil {
		t.Fatal(err)
	}
	owed := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	obs := Observation{Replicas: 3, Available: 3, ScheduledMin: 4, ScheduledMinReason: "0 10 * * * for 1h = 4"}
	d := Decide(spec, obs, State{StepDropOwed: owed, StepDropFrom: 3}, owed.Add(30*time.Second))
	if d.Scale {
		t.Fatalf("setup: below the scheduled floor exact CE raises nothing: %+v", d)
	}
	if strings.Contains(d.Reason, "found done") {
		t.Errorf("owed drop 3→1 not applied, function still at 3 under a scheduled min of 4: code %s, reason %q; want words that do not say the drop was done",
			d.Code, d.Reason)
	}
}

// TestReview53GOwedDropIsTriedAgainOnceAScheduledFloorEnds: the
// resolution's drop 3→1 fails (a 5xx) and is owed; a scheduled minimum of
// 4 starts before the next pass and lasts 2 minutes. While it is active
// the drop cannot go below 4 and the function (3) is kept, but owedDrop
// ends the debt there ("found done"), so once the schedule ends the
// function stays at 3 for good with its alert resolved. The package
// comment: a drop "not applied is asked for again on a later pass: the
// resolution is not sent again; not once the function was raised above
// the count it was decided on ... or deployed again" — neither happened.
func TestReview53GOwedDropIsTriedAgainOnceAScheduledFloorEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var schedUntil time.Time
		e := newReview53GEnvWith(t, review53BLabels, 2, func(c *LoopConfig, _ *testProvider) {
			c.MinFloor = func(fn provider.Function, now time.Time) (uint64, string) {
				mu.Lock()
				defer mu.Unlock()
				if now.Before(schedUntil) {
					return 4, "0 10 * * * for 2m = 4"
				}
				return 0, ""
			}
		})
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		time.Sleep(20 * time.Second)
		e.prov.FailScale(refA, 1, errors.New("503 service unavailable"))
		e.alert(t, Resolved, started)
		if codes := e.rec.all(); len(codes) != 2 || codes[1] != actuator.CodeError || e.prov.replicas(refA) != 3 {
			t.Fatalf("setup: the drop was meant to fail (outcomes %v, %d replicas)", codes, e.prov.replicas(refA))
		}
		mu.Lock()
		schedUntil = time.Now().Add(2 * time.Minute)
		mu.Unlock()
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 1 {
			last := e.lastRecord()
			t.Errorf("exact CE: resolution's drop 3→1 failed, a scheduled min of 4 for 2m since, 5m of passes: %d replicas (last record %s %q), want the floor 1 once the schedule ended",
				got, last.Code, last.Reason)
		}
	})
}
