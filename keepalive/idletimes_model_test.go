package keepalive

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRingMatchesAModelUnderTheBudget: random pushes into many
// histories under a small budget, with listings that cut (trimToBudget)
// and forget, regrowth after cuts and wraps: every history holds its
// newest idle times in arrival order from next, its ranks sort its keys,
// and the policy's count is what the histories hold. A model test (found
// nothing, session 44's review): it pins the ring's bookkeeping, which
// sessions 30-41 rewrote for memory, against a brute-force sort.
func TestRingMatchesAModelUnderTheBudget(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		withIdleTimeBudget(t, 30+int(seed)%50)
		cfg := Default()
		cfg.History, cfg.MinSamples = 5+int(seed)%30, 1+int(seed)%3
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(seed, 44))
		model := map[provider.Ref][]float32{}
		refs := make([]provider.Ref, 12)
		for i := range refs {
			refs[i] = provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: "fn"}
		}
		now := time.Unix(1_800_000_000, 0)
		listedOut := map[provider.Ref]bool{}
		for step := range 3000 {
			now = now.Add(time.Minute)
			switch r := rnd.IntN(100); {
			case r < 3:
				for _, ref := range refs {
					listedOut[ref] = rnd.IntN(6) == 0
				}
				p.Listed(now, func(ref provider.Ref) bool { return !listedOut[ref] })
				p.mu.Lock()
				for ref := range model {
					if p.fns[ref] == nil {
						delete(model, ref)
					}
				}
				p.mu.Unlock()
				now = now.Add(time.Duration(rnd.IntN(3)) * time.Hour)
			default:
				ref := refs[rnd.IntN(len(refs))]
				vals := []time.Duration{0, time.Second, 30 * time.Second, 5 * time.Minute, 48 * time.Hour}
				it := vals[rnd.IntN(len(vals))]
				if rnd.IntN(2) == 0 {
					it = time.Duration(rnd.Int64N(int64(3 * time.Hour)))
				}
				p.mu.Lock()
				h := p.get(ref)
				p.push(h, it, 1+rnd.IntN(3))
				model[ref] = append(model[ref], p.idleValue(it))
				p.mu.Unlock()
			}
			p.mu.Lock()
			held := 0
			for ref, h := range p.fns {
				held += len(h.e)
				m := model[ref]
				if len(h.e) > len(m) {
					p.mu.Unlock()
					t.Fatalf("seed %d step %d %s: holds %d, pushed %d", seed, step, ref, len(h.e), len(m))
				}
				want := m[len(m)-len(h.e):]
				got := make([]float32, len(h.e))
				for i := range h.e {
					got[i] = h.e[(h.next+i)%len(h.e)].it
				}
				if !slices.Equal(got, want) {
					p.mu.Unlock()
					t.Fatalf("seed %d step %d %s: ring from next %v, newest pushed %v", seed, step, ref, got, want)
				}
				keys := make([]uint64, len(h.e))
				for j := range h.e {
					keys[j] = h.orderKey(j)
				}
				sorted := slices.Clone(keys)
				slices.Sort(sorted)
				for k := range h.e {
					if int(h.e[k].rank) >= len(h.e) || keys[h.e[k].rank] != sorted[k] {
						p.mu.Unlock()
						t.Fatalf("seed %d step %d %s: rank %d wrong", seed, step, ref, k)
					}
				}
			}
			if held != p.idleTimes {
				p.mu.Unlock()
				t.Fatalf("seed %d step %d: count %d, held %d", seed, step, p.idleTimes, held)
			}
			p.mu.Unlock()
		}
	}
}
