package controller

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestStepModeStepsOnceForANotificationAlertManagerRetries: a batch the
// webhook answers 503 because one of its alerts could not be taken now is
// sent again by AlertManager, whole, until one is answered 2xx: after 0.5,
// 1.3, 2.3, 4.5 and 7.4 s within a group_interval of 10 s, then at every
// group_interval (measured on Debian's AlertManager 0.25 with a receiver
// answering 503). The alerts taken beside it come back with it; the webhook
// promises they are duplicates the scaler recognises. They were only within
// StepDedup (5 s) of the step: the 7.4 s retry and every group_interval's
// stepped a step-mode function again, every ~10 s for as long as the other
// alert could not be taken, where CE steps once per notification. Once the
// batch is answered 2xx, AlertManager's repeat of the alert steps again, as
// CE does.
//
// Seen failing before the fix: AlertManager's retries of the notification
// (up to 30 s after it) took figlet to 17; a retry is the same delivery, want 5
// (the 7.4 s retry and both group_interval flushes stepped it).
func TestStepModeStepsOnceForANotificationAlertManagerRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStack(t, testConfig(), Wiring{}, fn{name: "figlet", replicas: 1,
			labels: labels(scaler.LabelType, "step", scaler.LabelMax, "20", scaler.LabelFactor, "20")},
			fn{name: "resize", replicas: 1})
		sink := &holdingSink{Sink: s.ctl.Loop, held: ref("resize"), holding: true}
		post := batchPoster(t, sink, "figlet", "resize")
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(10 * time.Second)

		// AlertManager's first attempt and its retries, until a 2xx.
		answered := 0
		for _, after := range []time.Duration{0, 500 * time.Millisecond, 800 * time.Millisecond, time.Second,
			2200 * time.Millisecond, 2900 * time.Millisecond, 2600 * time.Millisecond, 10 * time.Second, 10 * time.Second} {
			time.Sleep(after)
			if answered = post(); answered/100 == 2 {
				break
			}
		}
		if answered != http.StatusServiceUnavailable {
			t.Fatalf("control: with resize's alert not taken, the batch is answered %d, want 503", answered)
		}
		time.Sleep(500 * time.Millisecond)
		if got := s.replicas(t, "figlet"); got != 5 {
			t.Errorf("AlertManager's retries of the notification (up to 30 s after it) took figlet to %d; a retry is the same delivery, want 5", got)
		}

		// resize's alert is taken: the retry is answered 200, AlertManager
		// logs the notification sent, and its repeat (repeat_interval
		// later, 30 s in CE's configuration) steps again.
		sink.release()
		time.Sleep(10 * time.Second)
		if code := post(); code != http.StatusOK {
			t.Fatalf("control: once every alert is taken the retry is answered %d", code)
		}
		if got := s.replicas(t, "figlet"); got != 5 {
			t.Errorf("the retry answered 200 took figlet to %d, want 5 still", got)
		}
		time.Sleep(30 * time.Second)
		post()
		time.Sleep(500 * time.Millisecond)
		if got := s.replicas(t, "figlet"); got != 9 {
			t.Errorf("AlertManager's repeat after an acknowledged notification took figlet to %d, want 5 + 4 = 9 (CE steps on each repeat)", got)
		}
	})
}

// holdingSink answers ErrUnavailable for one function's alerts while
// holding, as the scaler does for alerts it cannot take now, and hands the
// rest on.
type holdingSink struct {
	alerts.Sink
	held    provider.Ref
	holding bool
}

func (h *holdingSink) Notify(ctx context.Context, sig scaler.Signal) error {
	if h.holding && sig.Ref == h.held {
		return fmt.Errorf("%w: resize not taken now", scaler.ErrUnavailable)
	}
	return h.Sink.Notify(ctx, sig)
}

func (h *holdingSink) release() { h.holding = false }

// batchPoster is a webhook handler over sink (no auth) and a function that
// posts it one AlertManager 0.25 notification, CE's group by alertname: the
// same firing alert (fixed fingerprint and startsAt) for each function,
// returning the answer's code.
func batchPoster(t *testing.T, sink alerts.Sink, fns ...string) func() int {
	t.Helper()
	h, err := alerts.NewHandler(alerts.Config{Sink: sink, DefaultNamespace: ns, Auth: alerts.AuthNone})
	if err != nil {
		t.Fatal(err)
	}
	var as []string
	for i, f := range fns {
		as = append(as, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"APIHighInvocationRate","function_name":%q,"service":"gateway"},`+
			`"annotations":{},"startsAt":"2026-11-26T14:55:27Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"%016x"}`, f, i+1))
	}
	body := `{"receiver":"scaler","status":"firing","alerts":[` + strings.Join(as, ",") + `],` +
		`"groupLabels":{"alertname":"APIHighInvocationRate"},"commonLabels":{},"commonAnnotations":{},` +
		`"externalURL":"http://alertmanager:9093","version":"4","groupKey":"{}:{alertname=\"APIHighInvocationRate\"}","truncatedAlerts":0}`
	return func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/system/alert", bytes.NewReader([]byte(body))))
		return rec.Code
	}
}
