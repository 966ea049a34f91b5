package keepalive

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestDueAtListingPlacesIsDue: the pre-warmer's Due, which remembers each
// function at its place in the listing with the pre-warmer's entry for it
// (dueAt), finds due what Due, remembering it at its place among the
// functions at zero, finds on a twin policy, pass after pass of listings
// that change: functions at zero or not, deleted and back (under a new
// entry, as the pre-warmer makes one), in another order, the listing
// longer or shorter. Seen failing with the cache answering a place
// without checking that its entry is the one asked about.
func TestDueAtListingPlacesIsDue(t *testing.T) {
	start := time.Now()
	cfg := Default()
	cfg.PreWarmShare = 1
	byPlace, byZero := mustNew(t, cfg), mustNew(t, cfg)
	var refs []provider.Ref
	for f := range 40 {
		ref := provider.Ref{Name: fmt.Sprintf("f%02d", f), Namespace: "openfaas-fn"}
		refs = append(refs, ref)
		every := time.Duration(5+f) * time.Minute // timers of different periods
		for i := 30; i >= 0; i-- {
			at := start.Add(-time.Duration(i) * every)
			byPlace.Observe(ref, at)
			byZero.Observe(ref, at)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	listing := slices.Clone(refs)
	entries := map[provider.Ref]*prewarmSpec{}
	entry := func(ref provider.Ref) *prewarmSpec {
		if entries[ref] == nil {
			entries[ref] = &prewarmSpec{ref: ref}
		}
		return entries[ref]
	}
	found := 0
	for pass := range 400 {
		now := start.Add(time.Duration(pass) * 10 * time.Second)
		switch rng.IntN(10) {
		case 0:
			rng.Shuffle(len(listing), func(i, j int) { listing[i], listing[j] = listing[j], listing[i] })
		case 1:
			for _, ref := range listing[rng.IntN(len(listing)):] {
				delete(entries, ref) // deleted: a new entry when listed again
			}
			listing = listing[:rng.IntN(len(listing))+1]
		case 2:
			listing = slices.Clone(refs)
		}
		var atZero []provider.Ref
		var places []int
		var specs []*prewarmSpec
		for i, ref := range listing {
			if rng.IntN(3) != 0 {
				atZero, places, specs = append(atZero, ref), append(places, i), append(specs, entry(ref))
			}
		}
		got, limit := byPlace.dueAt(now, atZero, places, specs, len(listing), 0, 15*time.Minute)
		got = got[:min(len(got), limit)]
		want := byZero.Due(now, atZero, 0, 15*time.Minute)
		if !slices.Equal(refsOf(got), refsOf(want)) {
			t.Fatalf("pass %d: due by listing place %v, by place at zero %v", pass, refsOf(got), refsOf(want))
		}
		found += len(got)
	}
	if found == 0 {
		t.Fatal("no function was ever due: the test tells nothing")
	}
}

func mustNew(t *testing.T, cfg Config) *Policy {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func refsOf(pws []PreWarm) []provider.Ref {
	var out []provider.Ref
	for _, pw := range pws {
		out = append(out, pw.Ref)
	}
	return out
}
