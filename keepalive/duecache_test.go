package keepalive

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestDueAnswersEachRefsOwnPlan: Due's positional cache (duecache.go)
// answers the i-th ref from the history it resolved to last time only when
// it is the same ref: asked in another order, or about fewer, Due finds the
// same functions due.
func TestDueAnswersEachRefsOwnPlan(t *testing.T) {
	start := time.Now()
	a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
	b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
	cfg := Default()
	cfg.PreWarmShare = 1
	pol, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 20; i >= 0; i-- { // hourly timers; b runs 20 minutes after a
		pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
		pol.Observe(b, start.Add(-time.Duration(i)*time.Hour+20*time.Minute))
	}
	now := start.Add(time.Hour - 15*time.Second) // a's window, not b's
	for _, asked := range [][]provider.Ref{{a, b}, {b, a}, {b}, {a}, {b, a}} {
		var got []provider.Ref
		for _, pw := range pol.Due(now, asked, 0, 15*time.Minute) {
			got = append(got, pw.Ref)
		}
		want := 0
		for _, r := range asked {
			if r == a {
				want = 1
			}
		}
		if len(got) != want || (want == 1 && got[0] != a) {
			t.Errorf("Due of %v: %v, want a alone when asked about it", asked, got)
		}
	}
}

// TestPlanWordsAreMadeWhenRead: a replan for the idler's KeepAlive leaves
// the plan's reason to be worded when one is read; a pre-warm (Due) and
// Plan then read the words a plan worded at once has.
func TestPlanWordsAreMadeWhenRead(t *testing.T) {
	start := time.Now()
	ref := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
	observed := func() *Policy {
		pol, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		for i := 20; i >= 0; i-- { // an hourly timer
			pol.Observe(ref, start.Add(-time.Duration(i)*time.Hour))
		}
		return pol
	}
	now := start.Add(time.Hour - 15*time.Second) // its pre-warm window
	want, _ := observed().Plan(ref, 15*time.Minute, now)
	if !strings.Contains(want.Reason, "timer every") {
		t.Fatalf("plan says %q; want a timer's words", want.Reason)
	}
	pol := observed()
	if _, why := pol.KeepAlive(ref, 15*time.Minute, 1, now); why == "" {
		t.Fatal("no keep-alive code")
	}
	due := pol.Due(now, []provider.Ref{ref}, 0, 15*time.Minute)
	if len(due) != 1 || due[0].Reason != want.Reason {
		t.Fatalf("pre-warm after the idler's replan: %+v, want the reason %q", due, want.Reason)
	}
	if got, _ := pol.Plan(ref, 15*time.Minute, now); got != want {
		t.Errorf("plan after the idler's replan %+v, want %+v", got, want)
	}
}

// TestKeepAliveCacheIsTheMap: KeepAlive's sequential cache resolves every
// ref to the history the map holds for it, through cycles in the same
// order, other orders, fewer and more functions, and functions forgotten
// (Listed) and seen again, whose new histories it must not confuse with
// the old ones.
func TestKeepAliveCacheIsTheMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	pol, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]provider.Ref, 12)
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("fn%d", i), Namespace: "openfaas-fn"}
	}
	now := time.Unix(1_700_000_000, 0)
	asked := slices.Clone(refs)
	for cycle := range 400 {
		now = now.Add(30 * time.Second)
		switch r := rng.IntN(10); {
		case r == 0:
			rng.Shuffle(len(asked), func(i, j int) { asked[i], asked[j] = asked[j], asked[i] })
		case r == 1 && len(asked) > 1:
			i := rng.IntN(len(asked))
			asked = slices.Delete(asked, i, i+1)
		case r == 2:
			asked = append(asked, refs[rng.IntN(len(refs))]) // sometimes twice
		case r == 3:
			// Forget the unasked: listed once, then an hour later.
			in := func(ref provider.Ref) bool { return slices.Contains(asked, ref) }
			pol.Listed(now, in)
			now = now.Add(ForgetAfter)
			pol.Listed(now, in)
		}
		serves := float64(cycle%7 + 1) // KeepAlive writes it into the history it resolved
		for _, ref := range asked {
			pol.KeepAlive(ref, 15*time.Minute, serves, now)
			pol.mu.Lock()
			h := pol.fns[ref]
			pol.mu.Unlock()
			if h == nil || h.serves != float32(serves) {
				t.Fatalf("cycle %d: KeepAlive(%v) resolved to another history than the map's", cycle, ref)
			}
		}
	}
}
