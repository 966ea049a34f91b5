package keepalive

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIndexFindsWhatWasAdded: an index finds every value added, before
// and after the settles that merge them in, and nothing else; its sorted
// values stay in order whatever order the batches come in.
func TestIndexFindsWhatWasAdded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := newIndex(func(v *int) int { return *v }, cmp.Compare[int])
	added := map[int]*int{}
	for batch := range 20 {
		for range rng.IntN(50) {
			k := rng.IntN(1000)
			if _, ok := added[k]; ok {
				continue
			}
			v := &k
			added[k] = v
			x.add(v)
			if got, ok := x.find(k); !ok || got != v {
				t.Fatalf("batch %d: %d not found just after it was added", batch, k)
			}
		}
		if batch%3 != 2 {
			x.settle()
		}
		if !slices.IsSortedFunc(x.sorted, func(a, b *int) int { return cmp.Compare(*a, *b) }) {
			t.Fatalf("batch %d: the sorted values are out of order", batch)
		}
		for k := range 1000 {
			got, ok := x.find(k)
			if want, in := added[k]; ok != in || got != want {
				t.Fatalf("batch %d: find(%d) = %v, %t; want %v, %t", batch, k, got, ok, want, in)
			}
		}
		if len(x.all()) != len(added) {
			t.Fatalf("batch %d: %d values, want %d", batch, len(x.all()), len(added))
		}
	}
}
