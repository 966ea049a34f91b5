package scaler

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestAnAlertForAFunctionNotListedDuringAnOutageIsRetried: once the loop
// has listed, a function deployed since is not in its listing; while the
// provider cannot be listed, an alert for it cannot be checked. It was
// answered as an unknown function (the webhook's 200, "unknown_function"),
// and AlertManager does not send it again before repeat_interval: in step
// mode the step was lost. It is now unavailable (503, retried), as before
// the first listing.
//
// Seen failing before the fix (a review's observation): Notify = "unknown
// function: c.openfaas-fn", want ErrUnavailable.
func TestAnAlertForAFunctionNotListedDuringAnOutageIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, nil))
		e.src.Set("rps", refA, 10)
		_ = e.loop.Tick(t.Context(), time.Now())
		synctest.Wait()
		refC := refA
		refC.Name = "c"
		if err := e.loop.Notify(t.Context(), Signal{Ref: refC, Status: Firing}); !errors.Is(err, ErrUnknownFunction) {
			t.Fatalf("control: an alert for a function not deployed, the provider up: %v, want ErrUnknownFunction", err)
		}
		e.prov.setDown(errors.New("connection refused"))
		_ = e.loop.Tick(t.Context(), time.Now())
		synctest.Wait()
		err := e.loop.Notify(t.Context(), Signal{Ref: refC, Status: Firing})
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUnknownFunction) {
			t.Errorf("an alert for a function not listed while the provider cannot be listed: %v, want ErrUnavailable", err)
		}
		e.prov.setDown(nil)
		_ = e.loop.Tick(t.Context(), time.Now())
		synctest.Wait()
		if err := e.loop.Notify(t.Context(), Signal{Ref: refC, Status: Firing}); !errors.Is(err, ErrUnknownFunction) {
			t.Errorf("after the provider is back, a function still not deployed: %v, want ErrUnknownFunction", err)
		}
	})
}
