package actuator

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// cappedProvider is a memory provider that takes at most limit replicas
// and reports a larger count refused with the cap landed, as the OpenFaaS
// provider does on faasd (limit 1) and on OpenFaaS CE (limit 5).
type cappedProvider struct {
	*memory.Provider
	limit uint64
}

func (c *cappedProvider) ScaleFrom(ctx context.Context, ref provider.Ref, from, to uint64) error {
	return c.ScaleFromCreated(ctx, ref, from, to, time.Time{})
}

func (c *cappedProvider) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, created time.Time) error {
	if to <= c.limit {
		return c.Provider.ScaleFromCreated(ctx, ref, from, to, created)
	}
	if err := c.Provider.ScaleFromCreated(ctx, ref, from, c.limit, created); err != nil {
		return err
	}
	return &provider.RefusedError{Ref: ref, Replicas: to, Landed: c.limit, HasLanded: true,
		Message: fmt.Sprintf("runs at most %d replicas: %d were asked for instead", c.limit, c.limit)}
}

func (c *cappedProvider) Scale(ctx context.Context, ref provider.Ref, replicas uint64) error {
	return c.ScaleFromCreated(ctx, ref, 0, replicas, time.Time{}) // not used by the actuator
}

// TestReview51HCappedRefusalThatChangedNothingIsNoWrite: on faasd (one
// replica a function) the scaler's 1→3 is sent as 1 and reported refused
// with 1 landed, on a function that already had 1: nothing changed. The
// actuator records it as a write of the scaler's, 1→1 (execute.go,
// recordLocked, case CodeRefused: `s.last = Write{... To: re.Landed ...}`
// whatever o.From was), and that phantom write then makes the idler's scale
// to zero, decided on 1 while the scaler's call was in flight and the
// function still at 1, "stale": it is dropped as CodeChanged ("scaler
// changed it 1→1 … after this was decided on 1") and the explain API's
// last_write names a write that changed nothing. The same happens on CE at
// 5 for every count above 5. Expected: a landed count equal to the count
// written over is no write (s.last untouched), and the idler's zero applies.
func TestReview51HCappedRefusalThatChangedNothingIsNoWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := memory.New(clock.Real(), memory.Options{})
		if err := mem.Deploy(provider.Function{Ref: refA, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
		p := &cappedProvider{Provider: mem, limit: 1}
		a, err := New(Config{Provider: p, Clock: clock.Real(), Workers: 2, CallTimeout: 5 * time.Second,
			BackoffInitial: time.Second, BackoffMax: 4 * time.Second, RefusedBackoff: time.Minute,
			HistorySize: 10, Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		r := &rig{t: t, p: mem, a: a}
		stop := r.run()
		defer stop()

		release := mem.Block(refA)
		up := r.submit(intent(Scaler, refA, 1, 3))
		synctest.Wait()
		zero := r.submit(intent(Idler, refA, 1, 0)) // decided on 1, the count the function keeps
		time.Sleep(time.Second)                     // the capped write returns a second later
		release()
		if o := outcome(t, up); o.Code != CodeRefused || o.Current != 1 {
			t.Fatalf("scaler 1→3 on a cap of 1: %s (current %d: %s), want refused with 1 landed", o.Code, o.Current, o.Reason)
		}
		if w, ok := a.LastWrite(refA); ok && w.From == w.To {
			t.Errorf("last write %+v after a refusal that left the count at 1: nothing was written over 1", w)
		}
		if o := outcome(t, zero); o.Code != CodeApplied {
			t.Errorf("idler 1→0 decided on 1 with the function still at 1: %s (%s), want applied", o.Code, o.Reason)
		}
		if n := r.replicas(refA); n != 0 {
			t.Errorf("replicas %d, want 0", n)
		}
	})
}
