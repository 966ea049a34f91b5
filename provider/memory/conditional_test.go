package memory

import (
	"errors"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestScaleFromCreatedWritesOnlyTheFunctionListed: a write decided on the
// function deployed at one time does not land on the one deployed again
// under its name at another, though its count is the one expected; it is
// recorded as failed, and the count stays. Decided on the new function, or
// with no creation time known (zero), the same write lands.
//
// Seen failing before the fix (found by a review; the idler's
// TestRecreatedDuringACycleIsNotIdled through this provider): the new "a",
// deployed 0s ago, was scaled to 0 replicas by the cycle that judged its
// predecessor idle
func TestScaleFromCreatedWritesOnlyTheFunctionListed(t *testing.T) {
	old := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	again := old.Add(48 * time.Hour)
	for _, c := range []struct {
		name    string
		created time.Time
		lands   bool
	}{
		{"decided on the function deployed before", old, false},
		{"decided on the function deployed again", again, true},
		{"no creation time known", time.Time{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := New(clock.Real(), Options{})
			mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1, CreatedAt: old})
			if err := p.Remove(figlet); err != nil {
				t.Fatal(err)
			}
			mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1, CreatedAt: again})

			err := p.ScaleFromCreated(t.Context(), figlet, 1, 0, c.created)
			got := replicas(t, p, figlet)[0]
			calls := p.Calls()
			if c.lands {
				if err != nil || got != 0 {
					t.Fatalf("err %v, replicas %d; want the write to land (0)", err, got)
				}
				return
			}
			var replaced *provider.ReplacedError
			if !errors.As(err, &replaced) || !errors.Is(err, provider.ErrNotFound) ||
				!replaced.Expected.Equal(old) || !replaced.Current.Equal(again) {
				t.Errorf("err %v; want a *provider.ReplacedError (created %v, now %v) that is ErrNotFound", err, old, again)
			}
			if got != 1 {
				t.Errorf("the function deployed again has %d replicas after a write decided on its predecessor; want 1", got)
			}
			if len(calls) != 1 || calls[0].Err == nil || calls[0].To != 1 {
				t.Errorf("calls %+v; want one, failed, leaving 1", calls)
			}
		})
	}
}
