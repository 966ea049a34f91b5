package scaler

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// heldLastPass cancels the loop's context during the second pass's
// load read (SIGTERM while Prometheus answers: serve cancels the term, then
// drains the HTTP server for up to 5 s) and holds the pass until released,
// so the test can post an alert after the term ended and before Run returns.
type heldLastPass struct {
	*scalertest.Source
	lister    *countingLister
	cancel    context.CancelFunc
	cancelled chan struct{}
	release   chan struct{}
	once      sync.Once
}

func (s *heldLastPass) LoadParts(ctx context.Context, q metricsource.LoadQuery, refs []provider.Ref) (metricsource.Values, metricsource.Parts, error) {
	if s.lister.passes() == 2 {
		s.once.Do(func() {
			s.cancel()
			close(s.cancelled)
			<-s.release
		})
	}
	return s.Source.LoadParts(ctx, q, refs)
}

// TestAlertAfterShutdownStartedIsNotAccepted: once the term's
// context has ended (the process is shutting down) the loop never evaluates
// another signal: Run returns at its next select, and its wake case returns
// without looking at the queue. Yet Notify only refuses once Run has
// returned (an ended flag set as Run returned). An alert posted in between (the
// webhook is still served during the drain that follows the cancel) is
// queued and answered accepted (the webhook's 200), and is lost:
// AlertManager does not retry a 200. Found by a review.
//
// Seen failing before the fix: Notify in the gap returned nil (accepted).
func TestAlertAfterShutdownStartedIsNotAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var src *heldLastPass
		e := newLoopEnv(t, func(c *LoopConfig) {
			lister := &countingLister{Provider: c.Provider}
			src = &heldLastPass{Source: c.Source.(*scalertest.Source), lister: lister, cancel: cancel,
				cancelled: make(chan struct{}), release: make(chan struct{})}
			c.Provider, c.Source = lister, src
		}, function(refA, 1, nil))
		e.src.Set("rps", refA, 40)
		done := make(chan struct{})
		go func() { defer close(done); _ = e.loop.Run(ctx) }()
		<-src.cancelled // the term has ended; Run is still in its last pass
		load := 500.0
		err := e.loop.Notify(context.Background(), Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate",
			Load: &load, Fingerprint: "fp1"})
		close(src.release)
		<-done
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("an alert posted after the loop's context ended (shutdown started) was accepted (err %v, the webhook's 200); "+
				"Run returned without evaluating it, so it is lost: want ErrUnavailable (503, AlertManager retries)", err)
		}
		// Control: once Run has returned, the same alert is refused.
		if err := e.loop.Notify(context.Background(), Signal{Ref: refA, Status: Firing, Fingerprint: "fp2"}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("control: after Run returned, Notify = %v, want ErrUnavailable", err)
		}
	})
}
