package keepalive

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestIdleTimeWeightSaturates: an idle time ended by more calls in a step
// than a weight holds weighs the most a weight holds, not what is left of
// it modulo 65,536 (100,000 calls would weigh 34,464, less than 65,535
// calls would).
func TestIdleTimeWeightSaturates(t *testing.T) {
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "burst", Namespace: "fn"}
	start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	p.ObserveCount(ref, start, time.Minute, 1)
	p.ObserveCount(ref, start.Add(10*time.Minute), time.Minute, 100_000)
	p.ObserveCount(ref, start.Add(20*time.Minute), time.Minute, 65_535)
	p.mu.Lock()
	defer p.mu.Unlock()
	if w := p.get(ref).weights(); len(w) != 2 || w[0] != maxWeight || w[1] != maxWeight {
		t.Errorf("weights %v, want both %d (100,000 and 65,535 calls)", w, maxWeight)
	}
}

// TestHistoryGrowsByAQuarter: a growing history's array has room for at
// most a quarter more idle times (at least four), not the doubling of
// append: a 100,000-function fleet stops growing at its fair share (about
// 40 each), and the room was up to half of every array.
func TestHistoryGrowsByAQuarter(t *testing.T) {
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	at := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		p.Observe(ref, at.Add(time.Duration(i)*time.Minute))
		p.mu.Lock()
		h := p.get(ref)
		n, c := len(h.e), cap(h.e)
		p.mu.Unlock()
		if n > 0 && c > n+max(4, n/4)+1 {
			t.Fatalf("%d idle times in an array of %d", n, c)
		}
		if c > p.cfg.History {
			t.Fatalf("an array of %d, over History (%d)", c, p.cfg.History)
		}
	}
}
