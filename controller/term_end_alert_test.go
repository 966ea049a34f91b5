package controller

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
)

// TestAlertAfterTheLoopStoppedIsNotAccepted: without leader
// election (`run` on one replica) the process's one term ends at shutdown:
// serve cancels the term, then drains the HTTP server for up to 5 s, and a
// webhook request in flight then (AlertManager keeps its connections open;
// a Service routes to a terminating pod until its endpoints go) is still
// answered. Loop.Notify queues the alert and answers it accepted (200),
// though Run has returned and nothing will ever evaluate it; AlertManager
// does not retry a 200, and a step-mode function scales on alerts only.
// The webhook answers 503 (retried) "when the scaler cannot act now"; it
// does so before the term's first listing and on a follower, not after
// the term has ended; now it does (scaler.Loop.Notify once Run returned).
//
// Seen failing before the fix (found by a review): after the term ended
// (no loop runs to evaluate it) a firing alert is answered 200, want 503
// so AlertManager retries it elsewhere
func TestAlertAfterTheLoopStoppedIsNotAccepted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStack(t, testConfig(), Wiring{}, fn{name: "figlet", replicas: 1})
		post := alertPoster(t, s.ctl.Loop)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(10 * time.Second)
		if rec := post(); rec.Code != http.StatusOK {
			t.Fatalf("control: while the term runs the alert is answered %d: %s", rec.Code, rec.Body)
		}
		cancel() // shutdown: the term ends
		synctest.Wait()
		if n := s.ctl.live.acts(); n != 0 {
			t.Fatalf("control: %d term(s) still running after the shutdown", n)
		}
		if rec := post(); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("after the term ended (no loop runs to evaluate it) a firing alert is answered %d, want 503 so AlertManager retries it elsewhere: %s",
				rec.Code, rec.Body)
		}
	})
}

// alertPoster is a webhook handler over sink (no auth) and a function that
// posts it one firing alert for figlet.openfaas-fn, as AlertManager 0.25
// sends it, returning the answer.
func alertPoster(t *testing.T, sink alerts.Sink) func() *httptest.ResponseRecorder {
	t.Helper()
	h, err := alerts.NewHandler(alerts.Config{Sink: sink, DefaultNamespace: ns, Auth: alerts.AuthNone})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../alerts/testdata/am025-ce-firing.json") // figlet.openfaas-fn, firing
	if err != nil {
		t.Fatal(err)
	}
	return func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/system/alert", bytes.NewReader(body)))
		return rec
	}
}
