package scaler

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// gatedLists is a provider whose listings wait for gate while it is set: a
// provider slow to answer the first listing of a start or a term.
type gatedLists struct {
	*testProvider
	testGate
}

func (p *gatedLists) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	return p.testProvider.Functions(ctx, namespace)
}

// TestNotListedYetIsNotAnUnreachableProvider: before the first listing of
// a start or of a leadership term, the webhook (Notify) and the explain API
// (NotListed) answer 503 with Retry-After, as they must (ErrUnavailable:
// AlertManager retries), in words of their own: "starting … not listed
// yet". They say the provider cannot be reached, with its error, only once
// a listing has failed, and a new term does not say it from the last
// term's outage.
//
// Seen failing before the fix: every start and every new term answered
// "scaler cannot reach the provider: functions not listed yet (starting)"
// though the provider answered and nothing had failed; and a term that
// began after an outage had ended the last one said "scaler cannot reach
// the provider: functions not listed yet: connection refused" while its
// first listing, which succeeded, was under way.
func TestNotListedYetIsNotAnUnreachableProvider(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p *gatedLists
		e := newLoopEnv(t, func(c *LoopConfig) {
			p = &gatedLists{testProvider: c.Provider.(*testProvider)}
			c.Provider = p
		}, function(refA, 2, nil))
		sig := Signal{Ref: refA, Status: Firing}
		// says checks both answers: whether their words say the provider
		// is unreachable, and that both are ErrUnavailable (the webhook's
		// 503) and ErrNotListed, and the explain API's 503 has Retry-After.
		says := func(when string, unreachable bool) {
			t.Helper()
			for name, err := range map[string]error{"NotListed": e.loop.NotListed(), "Notify": e.loop.Notify(t.Context(), sig)} {
				switch {
				case !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrNotListed):
					t.Errorf("%s, %s = %v; want ErrUnavailable and ErrNotListed", when, name, err)
				case strings.Contains(err.Error(), "cannot reach the provider") != unreachable:
					t.Errorf("%s, %s = %q; want words that say the provider is unreachable: %v", when, name, err, unreachable)
				case unreachable && !errors.Is(err, errDown):
					t.Errorf("%s, %s = %v; want the provider's error in it", when, name, err)
				}
			}
			rec := httptest.NewRecorder()
			explain.Handler(e.loop).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions", nil))
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
				!strings.Contains(rec.Body.String(), "not listed yet") ||
				strings.Contains(rec.Body.String(), "cannot reach the provider") != unreachable {
				t.Errorf("%s, GET /api/v1/functions: %d Retry-After %q %s", when, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
			}
		}

		says("before the first pass", false)

		// Term 1 starts with the provider down: that is said.
		p.setDown(errDown)
		ctx1, end1 := context.WithCancel(t.Context())
		done1 := make(chan struct{})
		go func() { _ = e.loop.Run(ctx1); close(done1) }()
		synctest.Wait()
		says("term 1, the first listing failed", true)
		p.setDown(nil)
		time.Sleep(DefaultInterval)
		synctest.Wait()
		if err := e.loop.NotListed(); err != nil {
			t.Fatalf("control: term 1 listed: %v", err)
		}
		// An outage ends the term.
		p.setDown(errDown)
		time.Sleep(DefaultInterval)
		synctest.Wait()
		end1()
		<-done1

		// Term 2: the provider is back, its first listing under way.
		p.setDown(nil)
		gate := make(chan struct{})
		p.setGate(gate)
		ctx2, end2 := context.WithCancel(t.Context())
		done2 := make(chan struct{})
		go func() { _ = e.loop.Run(ctx2); close(done2) }()
		synctest.Wait()
		says("term 2, its first listing under way after term 1's outage", false)
		close(gate)
		synctest.Wait()
		if err := e.loop.NotListed(); err != nil {
			t.Errorf("term 2 listed: %v", err)
		}
		end2()
		<-done2
	})
}
