package idler

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestFunctionsNotOptedInAreAnsweredAsListed: a cycle makes work items only
// for functions it may act on or must look into (opted in, with a
// min-schedule); one whose verdict its labels alone give (not opted in,
// serving or at zero without --maintain-min; invalid labels) gets that
// verdict, its explanation and its count in the metrics without one. Seen
// failing with every function given an item: 6 items. (Review 53E: at zero
// or with invalid labels they were items too, and stayed pending through
// a term's first cycle.)
func TestFunctionsNotOptedInAreAnsweredAsListed(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	plain := func(name string, replicas uint64, labels map[string]string) provider.Function {
		return provider.Function{Ref: ref(name), Replicas: replicas, AvailableReplicas: replicas, CreatedAt: old, Labels: labels}
	}
	e := newEnv(t, Config{},
		plain("p1", 1, nil), plain("p2", 3, map[string]string{LabelZero: "false"}),
		plain("opted", 1, map[string]string{LabelZero: "true"}),
		plain("bad", 1, map[string]string{LabelZero: "maybe"}),
		plain("atzero", 0, nil),
		plain("sched", 1, map[string]string{MinScheduleLabel: "1 @ 09:00-17:00 Mon-Fri"}))

	fns, err := e.d.list(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ws, answered := e.d.prepare(fns, now)
	var items []string
	for _, w := range ws {
		items = append(items, w.fn.Ref.Name)
	}
	if listed := answered.notOptedIn + answered.invalidLabel; listed != 4 || answered.atZero != 1 || len(ws) != 2 {
		t.Fatalf("items for %v, %+v answered as listed; want items for opted, sched and 4 answered (1 at zero)", items, answered)
	}

	rep := e.d.RunOnce(t.Context(), now.Add(time.Second))
	for name, want := range map[string]struct {
		code     Code
		replicas uint64
	}{"p1": {CodeNotOptedIn, 1}, "p2": {CodeNotOptedIn, 3}, "atzero": {CodeNotOptedIn, 0}, "bad": {CodeInvalidLabel, 1}} {
		v, ok := rep.VerdictOf(ref(name))
		if !ok || v.Code != want.code || v.Reason == "" {
			t.Errorf("%s: verdict %+v, %v; want %s, with its reason", name, v, ok, want.code)
		}
		x, ok := e.d.Explain(ref(name))
		if got := x.(Explanation); !ok || got.Code != want.code || got.OptedIn || got.Replicas != want.replicas || !got.EvaluatedAt.Equal(rep.At) {
			t.Errorf("%s: explained %+v; want this cycle's %s answer", name, got, want.code)
		}
	}
	if rep.Skipped[CodeNotOptedIn] != 4 || rep.Skipped[CodeInvalidLabel] != 1 { // p1, p2, sched and atzero; bad
		t.Errorf("skipped as not opted in: %d, want 4; invalid: %d, want 1 (%v)", rep.Skipped[CodeNotOptedIn], rep.Skipped[CodeInvalidLabel], rep.Skipped)
	}
	// atzero, answered without an item, and what the cycle idled (opted).
	if n, want := testutil.ToFloat64(e.d.m.atZero), float64(1+len(rep.Idled)); n != want {
		t.Errorf("functions_at_zero = %v, want %v (atzero and the idled %v)", n, want, rep.Idled)
	}
	for _, name := range []string{"p1", "p2"} {
		if st := e.d.state[ref(name)]; st == nil {
			t.Errorf("%s: no state kept", name)
		} else if st.times != nil {
			t.Errorf("%s: a function not opted in keeps times %+v, want none", name, *st.times)
		}
	}
	if _, ok := rep.VerdictOf(ref("gone")); ok {
		t.Error("a verdict for a function the cycle did not list")
	}
}
