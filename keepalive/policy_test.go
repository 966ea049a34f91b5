package keepalive

import (
	"math"
	"testing"
	"time"
	"unsafe"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestHistoryRingIsCompact: a function's learned idle times are at most
// History float32s (1 KiB at the default 256, half what float64 took), the
// ring grows only as idle times arrive, and the plan is the one Choose
// makes on the same idle times in float64, to well under a second.
func TestHistoryRingIsCompact(t *testing.T) {
	p, err := New(Config{PreWarmShare: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p.Observe(ref, at)
	p.mu.Lock()
	if n := cap(p.get(ref).e); n != 0 {
		t.Errorf("one invocation, no idle time yet: ring capacity %d, want 0 (no eager allocation)", n)
	}
	p.mu.Unlock()

	var want []float64
	for i := range 300 {
		it := time.Duration(i%37)*time.Minute + 333*time.Millisecond // not exact in binary
		if i%50 == 0 {
			it = 25 * time.Hour // beyond the horizon: +Inf
		}
		at = at.Add(it)
		p.Observe(ref, at)
		v := it.Seconds()
		if it >= 24*time.Hour {
			v = math.Inf(1)
		}
		want = append(want, v)
	}
	want = want[len(want)-256:]

	p.mu.Lock()
	h := p.get(ref)
	bytes := uintptr(cap(h.e)) * unsafe.Sizeof(h.e[0])
	p.mu.Unlock()
	if bytes > 2048 {
		t.Errorf("256 idle times with their weights and order take %d bytes, want at most 2048 (ten bytes each and a doubling append's room made 2,560 and more)", bytes)
	}
	got, _ := p.Plan(ref, time.Minute, at)
	exact := Choose(want, time.Minute, p.cfg)
	if got.Code != exact.Code || (got.KeepAlive-exact.KeepAlive).Abs() > 10*time.Millisecond ||
		(got.PreWarmAt-exact.PreWarmAt).Abs() > 10*time.Millisecond {
		t.Errorf("plan on the stored ring = %+v, on the exact idle times %+v", got, exact)
	}
}

// TestKeepAliveReplansWhenServesChanges: a plan made before the idler told
// the policy how many requests a replica serves (the pre-warmer's, after a
// start: one) is replaced when KeepAlive brings the function's own count,
// with no new idle time: the answer is the one a policy told the count
// first gives. The history is bursts of 12 requests every five minutes,
// where a pre-warmed replica serving 12 at once catches a whole burst and
// one serving one does not, so the two counts plan differently.
func TestKeepAliveReplansWhenServesChanges(t *testing.T) {
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	learn := func(p *Policy) time.Time {
		at := start
		for range 40 {
			at = at.Add(5 * time.Minute)
			p.ObserveCount(ref, at, time.Minute, 12)
		}
		return at
	}
	told, _ := New(Default())
	end := learn(told)
	now := end.Add(30 * time.Second)
	wantK, wantWhy := told.KeepAlive(ref, 15*time.Minute, 12, now)

	late, _ := New(Default())
	learn(late)
	late.Plan(ref, 15*time.Minute, now) // one request a replica, as the pre-warmer plans
	oneK, oneWhy := late.KeepAlive(ref, 15*time.Minute, 1, now)
	if wantK == oneK && wantWhy == oneWhy {
		t.Fatalf("12 and 1 request(s) a replica plan alike (%s, %s): the test cannot tell a stale plan", wantK, wantWhy)
	}
	gotK, gotWhy := late.KeepAlive(ref, 15*time.Minute, 12, now.Add(time.Second))
	if gotK != wantK || gotWhy != wantWhy {
		t.Errorf("after the count changed to 12: %s (%s); a policy told 12 first says %s (%s)", gotK, gotWhy, wantK, wantWhy)
	}
}

// TestBusyPlansTakeInNewIdleTimesEveryReplanEvery: with a long history, one
// new idle time is taken in at the first Plan replanEvery after the last
// plan, not before; an eighth of the history new is taken in at once.
func TestBusyPlansTakeInNewIdleTimesEveryReplanEvery(t *testing.T) {
	p, _ := New(Default())
	ref := provider.Ref{Name: "busy", Namespace: "fn"}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		at = at.Add(time.Duration(30+i%7) * time.Second)
		p.Observe(ref, at)
	}
	p.Plan(ref, time.Minute, at)
	plannedAt := func() time.Time {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.get(ref).plannedA
	}
	first := plannedAt()
	at = at.Add(40 * time.Second)
	p.Observe(ref, at)
	p.Plan(ref, time.Minute, first.Add(replanEvery-time.Second))
	if got := plannedAt(); !got.Equal(first) {
		t.Errorf("one new idle time replanned %s after the last plan, before replanEvery (%s)", got.Sub(first), replanEvery)
	}
	p.Plan(ref, time.Minute, first.Add(replanEvery))
	if got := plannedAt(); !got.Equal(first.Add(replanEvery)) {
		t.Errorf("one new idle time not taken in replanEvery after the last plan (last plan at %s)", got.Sub(first))
	}
	second := plannedAt()
	for range 20 { // 20 of 120: over an eighth
		at = at.Add(45 * time.Second)
		p.Observe(ref, at)
	}
	p.Plan(ref, time.Minute, second.Add(time.Second))
	if got := plannedAt(); !got.Equal(second.Add(time.Second)) {
		t.Error("an eighth of the history new was not taken in at once")
	}
}
