package metricsource_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

type fakeBase struct{ loads []metricsource.LoadQuery }

func (f *fakeBase) Load(_ context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	f.loads = append(f.loads, q)
	return metricsource.Values{fnA: 7}, nil
}

func (f *fakeBase) Activity(_ context.Context, w time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{Window: w, Covered: true, Started: metricsource.Values{fnA: 1},
		Queued: metricsource.Values{fnA: 99}}, nil
}

type fakeQueue struct {
	v   metricsource.Values
	err error
	n   int
}

func (f *fakeQueue) Queued(context.Context) (metricsource.Values, error) {
	f.n++
	return f.v, f.err
}

var fnA = provider.Ref{Name: "a", Namespace: "fn"}

// TestWithQueue: the queue type and Activity's Queued come from the queue
// reader, everything else from the base source; a failed queue read is
// ErrUnavailable for both, never an empty answer.
func TestWithQueue(t *testing.T) {
	base, q := &fakeBase{}, &fakeQueue{v: metricsource.Values{fnA: 5000}}
	src := metricsource.WithQueue(base, q, 0, time.Now)
	ctx := context.Background()

	got, err := src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Minute})
	if err != nil || got[fnA] != 5000 || len(base.loads) != 0 {
		t.Fatalf("queue load = %v, %v (base asked %d times); want 5000 from the queue", got, err, len(base.loads))
	}
	got, err = src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute})
	if err != nil || got[fnA] != 7 || len(base.loads) != 1 {
		t.Fatalf("rps load = %v, %v; want 7 from the base", got, err)
	}
	act, err := src.Activity(ctx, time.Minute)
	if err != nil || act.Queued[fnA] != 5000 || act.Started[fnA] != 1 || !act.Covered {
		t.Fatalf("activity = %+v, %v; want base's started and the queue's 5000 queued", act, err)
	}

	q.err = errors.New("nats: timeout")
	if _, err := src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Minute}); !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("queue load with the queue down: %v, want ErrUnavailable", err)
	}
	if _, err := src.Activity(ctx, time.Minute); !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("activity with the queue down: %v, want ErrUnavailable (nothing may be idled)", err)
	}
	if _, err := src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}); err != nil {
		t.Fatalf("rps load with the queue down: %v, want the base's answer", err)
	}
}

// TestWithQueueReuse: readings within the reuse time answer again (one
// request per scaler pass); older ones do not. A failure is reused the
// same way, as a failure (ErrUnavailable, for Activity too: the idler
// idles nothing), unless the caller's own context cut the read short.
func TestWithQueueReuse(t *testing.T) {
	now := time.Unix(1e9, 0)
	q := &fakeQueue{v: metricsource.Values{fnA: 3}}
	src := metricsource.WithQueue(&fakeBase{}, q, time.Second, func() time.Time { return now })
	ctx := context.Background()
	stable := metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Minute}
	burst := metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: 10 * time.Second}
	for _, lq := range []metricsource.LoadQuery{stable, burst} {
		if _, err := src.Load(ctx, lq); err != nil {
			t.Fatal(err)
		}
	}
	if q.n != 1 {
		t.Fatalf("%d queue reads for one pass, want 1", q.n)
	}
	now = now.Add(time.Second)
	if _, err := src.Load(ctx, stable); err != nil || q.n != 2 {
		t.Fatalf("after the reuse time: %d reads (%v), want 2", q.n, err)
	}
	q.err = errors.New("down")
	now = now.Add(time.Second)
	if v, err := src.Load(ctx, stable); !errors.Is(err, metricsource.ErrUnavailable) || v != nil {
		t.Fatalf("failed read answered %v, %v; want ErrUnavailable", v, err)
	}
	q.err = nil // the queue would answer now; within the reuse time it is not asked
	if v, err := src.Load(ctx, burst); !errors.Is(err, metricsource.ErrUnavailable) || v != nil || q.n != 3 {
		t.Fatalf("within the reuse time of a failure: %v, %v after %d reads; want the failure again, 3 reads", v, err, q.n)
	}
	if act, err := src.Activity(ctx, time.Minute); !errors.Is(err, metricsource.ErrUnavailable) || act.Queued != nil {
		t.Fatalf("activity within the reuse time of a failure: %+v, %v; want ErrUnavailable (nothing may be idled)", act, err)
	}
	now = now.Add(time.Second)
	if v, err := src.Load(ctx, stable); err != nil || v[fnA] != 3 || q.n != 4 {
		t.Fatalf("after the reuse time of a failure: %v, %v after %d reads; want 3 read again, 4 reads", v, err, q.n)
	}

	// A read that failed because its caller gave up says nothing of the
	// queue: the next caller reads again.
	now = now.Add(time.Second)
	q.err = context.Canceled
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := src.Load(cctx, stable); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
	q.err = nil
	if v, err := src.Load(ctx, stable); err != nil || v[fnA] != 3 || q.n != 6 {
		t.Fatalf("after a cancelled read: %v, %v after %d reads; want a new read (6)", v, err, q.n)
	}
}

// subsetBase answers ActivityFor with only the refs asked about.
type subsetBase struct {
	fakeBase
	asked []provider.Ref
}

func (f *subsetBase) ActivityFor(_ context.Context, w time.Duration, refs []provider.Ref) (metricsource.Activity, error) {
	f.asked = refs
	return metricsource.Activity{Window: w, Covered: true, Started: metricsource.Values{refs[0]: 2}}, nil
}

// TestWithQueueActivityFor: the queue wrapper answers ActivityFor through
// the base's when it has one, and through Activity when not; the queue's
// reading fills Queued either way, and a failed one is ErrUnavailable.
func TestWithQueueActivityFor(t *testing.T) {
	ctx := context.Background()
	q := &fakeQueue{v: metricsource.Values{fnA: 5000}}
	sub := &subsetBase{}
	act, err := metricsource.ActivityFor(ctx, metricsource.WithQueue(sub, q, 0, time.Now), time.Minute, []provider.Ref{fnA})
	if err != nil || act.Started[fnA] != 2 || act.Queued[fnA] != 5000 || len(sub.asked) != 1 {
		t.Fatalf("through the base's ActivityFor: %+v, %v (asked %v)", act, err, sub.asked)
	}
	act, err = metricsource.ActivityFor(ctx, metricsource.WithQueue(&fakeBase{}, q, 0, time.Now), time.Minute, []provider.Ref{fnA})
	if err != nil || act.Started[fnA] != 1 || act.Queued[fnA] != 5000 {
		t.Fatalf("through Activity: %+v, %v", act, err)
	}
	q.err = errors.New("nats: timeout")
	if _, err := metricsource.ActivityFor(ctx, metricsource.WithQueue(sub, q, 0, time.Now), time.Minute, []provider.Ref{fnA}); !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("with the queue down: %v, want ErrUnavailable", err)
	}
}

func (f *subsetBase) LoadFor(_ context.Context, q metricsource.LoadQuery, refs []provider.Ref) (metricsource.Values, error) {
	f.asked = refs
	return metricsource.Values{refs[0]: 3}, nil
}

// TestWithQueueLoadFor: the queue wrapper answers LoadFor through the
// base's when it has one and through Load when not; the queue type is the
// queue's reading either way.
func TestWithQueueLoadFor(t *testing.T) {
	ctx := context.Background()
	q := &fakeQueue{v: metricsource.Values{fnA: 5000}}
	rps := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}
	sub := &subsetBase{}
	v, err := metricsource.LoadFor(ctx, metricsource.WithQueue(sub, q, 0, time.Now), rps, []provider.Ref{fnA})
	if err != nil || v[fnA] != 3 || len(sub.asked) != 1 {
		t.Fatalf("through the base's LoadFor: %v, %v (asked %v)", v, err, sub.asked)
	}
	v, err = metricsource.LoadFor(ctx, metricsource.WithQueue(&fakeBase{}, q, 0, time.Now), rps, []provider.Ref{fnA})
	if err != nil || v[fnA] != 7 {
		t.Fatalf("through Load: %v, %v", v, err)
	}
	v, err = metricsource.LoadFor(ctx, metricsource.WithQueue(sub, q, 0, time.Now), metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Minute}, []provider.Ref{fnA})
	if err != nil || v[fnA] != 5000 {
		t.Fatalf("the queue type: %v, %v", v, err)
	}
}

// coveredBase is fakeBase with a shortest covered window.
type coveredBase struct{ fakeBase }

func (coveredBase) ShortestCoveredWindow() time.Duration { return 90 * time.Second }

// TestWithQueueTellsTheBasesCoveredWindow: the queue wrapper answers
// activity with the base's, so the idler's floor is the base's too (0 for a
// base without one). Fails with the wrapper hiding it.
func TestWithQueueTellsTheBasesCoveredWindow(t *testing.T) {
	now := func() time.Time { return time.Unix(0, 0) }
	if got := metricsource.ShortestCoveredWindow(metricsource.WithQueue(&coveredBase{}, &fakeQueue{}, 0, now)); got != 90*time.Second {
		t.Errorf("over a base covering 1m30s and more: %s", got)
	}
	if got := metricsource.ShortestCoveredWindow(metricsource.WithQueue(&fakeBase{}, &fakeQueue{}, 0, now)); got != 0 {
		t.Errorf("over a base without a floor: %s, want 0", got)
	}
}

// downBase is fakeBase with a gateway instance down.
type downBase struct{ fakeBase }

func (downBase) DownGateways(context.Context, time.Duration) ([]string, error) {
	return []string{"10.0.0.8:8082"}, nil
}

// TestWithQueueTellsTheBasesDownGateways: the queue wrapper's rps and
// capacity are the base's, so are their lower bounds; hidden, the scaler
// scaled down on a sum missing a gateway instance whenever NATS was wired.
func TestWithQueueTellsTheBasesDownGateways(t *testing.T) {
	now := func() time.Time { return time.Unix(0, 0) }
	got, err := metricsource.DownGateways(context.Background(), metricsource.WithQueue(&downBase{}, &fakeQueue{}, 0, now), time.Minute)
	if err != nil || len(got) != 1 || got[0] != "10.0.0.8:8082" {
		t.Errorf("over a base with 10.0.0.8:8082 down: %v, %v", got, err)
	}
	if got, err := metricsource.DownGateways(context.Background(), metricsource.WithQueue(&fakeBase{}, &fakeQueue{}, 0, now), time.Minute); err != nil || got != nil {
		t.Errorf("over a base that cannot tell: %v, %v; want none", got, err)
	}
}
