package keepalive

import (
	"context"
	"errors"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// timedOut is a Prometheus whose every read fails.
type timedOut struct{}

func (timedOut) QueryRange(context.Context, string, v1.Range, ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	return nil, nil, nil, errors.New("query timed out")
}

// TestARecheckCutShortKeepsTheCounts: the read a term runs two steps in
// (RecheckZeroed) looks only for the falls its start could not see yet;
// when Prometheus fails it, the counts held are as current as they were
// (from the term's start but for those steps), so none is dropped, where
// the refresh after a rebuild (RefreshZeroedKeepingLive), whose counts are
// current only to the process's start, drops those it could not read
// again. Read whole, it sets the falls it reads and keeps the idler's.
func TestARecheckCutShortKeepsTheCounts(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	h := twoNamesFalls{older: now.Add(-5 * time.Hour), newer: now.Add(-time.Minute)}
	fn, other, mine := fnRef("fn"), fnRef("other"), fnRef("mine")
	held := func() *Policy {
		p := mustPolicy(t)
		p.setZeroed(fn, 4, zeroedKeep)    // the term's refresh at its start
		p.setZeroed(other, 6, zeroedKeep) // idem
		p.Zeroed(mine, 2)                 // this term's idler
		p.mu.Lock()
		p.zeroedFrom, p.zeroedTo = now.Add(-24*time.Hour), now.Add(-2*time.Minute)
		p.mu.Unlock()
		return p
	}
	p := held()
	if _, err := p.RecheckZeroed(t.Context(), timedOut{}, now, 24*time.Hour, time.Minute, "openfaas-fn", nil); err == nil {
		t.Fatal("control: a failed read reported no error")
	}
	for ref, want := range map[string]uint64{"fn": 4, "other": 6, "mine": 2} {
		if got := p.preWarmReplicas(fnRef(ref)); got != want {
			t.Errorf("after a recheck cut short, %s pre-warms %d, want the %d held", ref, got, want)
		}
	}
	p.mu.Lock()
	to := p.zeroedTo
	p.mu.Unlock()
	if want := now.Add(-2 * time.Minute); !to.Equal(want) {
		t.Errorf("after a recheck cut short, the counts are current to %s, want still %s (the span after it not read)", to, want)
	}
	q := held()
	if _, err := q.RefreshZeroedKeepingLive(t.Context(), timedOut{}, now, 24*time.Hour, time.Minute, "openfaas-fn", nil); err == nil {
		t.Fatal("control: a failed read reported no error")
	}
	if got := q.preWarmReplicas(other); got != 1 {
		t.Errorf("control: the refresh after a rebuild cut short kept other's %d; want it dropped (1)", got)
	}

	r := held()
	if _, err := r.RecheckZeroed(t.Context(), h, now, 24*time.Hour, time.Minute, "openfaas-fn", nil); err != nil {
		t.Fatal(err)
	}
	if got := r.preWarmReplicas(fn); got != 1 {
		t.Errorf("after a recheck, fn pre-warms %d, want the newest fall read, 1", got)
	}
	if a, b := r.preWarmReplicas(other), r.preWarmReplicas(mine); a != 6 || b != 2 {
		t.Errorf("after a recheck, other %d and mine %d; want 6 (not read) and the idler's 2 kept", a, b)
	}
}
