package idler

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestFunctionsNotOptedInAreAnsweredAsListed: a cycle makes work items only
// for functions it may act on or must look into (opted in, invalid labels,
// at zero, with a min-schedule); one not opted in and serving gets its
// not-opted-in verdict, its explanation and its count in the metrics
// without one. Seen failing with every function given an item: 6 items.
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
	ws, listed := e.d.prepare(fns, now)
	var items []string
	for _, w := range ws {
		items = append(items, w.fn.Ref.Name)
	}
	if listed != 2 || len(ws) != 4 {
		t.Fatalf("items for %v, %d answered as listed; want items for opted, bad, atzero, sched and 2 answered", items, listed)
	}

	rep := e.d.RunOnce(t.Context(), now.Add(time.Second))
	for _, name := range []string{"p1", "p2"} {
		v, ok := rep.VerdictOf(ref(name))
		if !ok || v.Code != CodeNotOptedIn || v.Reason == "" {
			t.Errorf("%s: verdict %+v, %v; want not opted in, with its reason", name, v, ok)
		}
		x, ok := e.d.Explain(ref(name))
		if got := x.(Explanation); !ok || got.Code != CodeNotOptedIn || got.OptedIn || got.Replicas == 0 || !got.EvaluatedAt.Equal(rep.At) {
			t.Errorf("%s: explained %+v; want this cycle's not-opted-in answer", name, got)
		}
	}
	if rep.Skipped[CodeNotOptedIn] != 4 { // p1, p2, sched and atzero
		t.Errorf("skipped as not opted in: %d, want 4 (%v)", rep.Skipped[CodeNotOptedIn], rep.Skipped)
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
