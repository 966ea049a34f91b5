package alerts_test

import (
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// review52JGrafanaStep is a Grafana webhook contact point's body (version
// "1") with one alert of a Grafana-managed step rule labelled as the README
// asks ("Give the rule the labels the generated rules carry: function_name,
// scaling_type, direction"): the generated FunctionStepRateHigh, imported
// into Grafana, scaling_type "step".
func review52JGrafanaStep(status, fn, fingerprint string) string {
	return fmt.Sprintf(`{"receiver":"faas-autoscaler","status":%[1]q,"orgId":1,"alerts":[{"status":%[1]q,`+
		`"labels":{"alertname":"FunctionStepRateHigh","function_name":%[2]q,"scaling_type":"step","direction":"up","grafana_folder":"faas"},`+
		`"annotations":{},"startsAt":"2026-11-26T14:55:30Z","endsAt":"0001-01-01T00:00:00Z",`+
		`"generatorURL":"http://grafana:3000/alerting/grafana/r1/view","fingerprint":%[3]q}],`+
		`"groupLabels":{"alertname":"FunctionStepRateHigh"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://grafana:3000/",`+
		`"version":"1","groupKey":"{}:{alertname=\"FunctionStepRateHigh\"}","truncatedAlerts":0,"title":"t","state":"alerting","message":"m"}`,
		status, fn, fingerprint)
}

// A Grafana-managed step rule (README: "Alerting from Grafana", labels as
// the generated rules carry them, scaling_type "step") keeps firing, but
// Grafana re-sends a firing alert only at its notification policy's
// repeat interval (4h by default; nothing in the README asks for less).
// The step-mode function must keep its stepped count while the alert
// fires, as it does for CE's alert (TestOtherAlertLapseKeepsTheStep) and as
// it did before the lapse: "step mode ... a resolved alert steps down
// gradually". The lapse (scaler/step.go ruleLapsed) assumes the generated
// AlertManager route's 30 s repeat for every scaling_type="step" alert, so
// a minute after Grafana's one delivery the step is "taken as lost" and the
// function ramps to its floor under the load that still fires the alert,
// with no new firing for hours to step it up again.
func TestReview52JGrafanaStepAlertStillFiringKeepsItsStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fn := review52BStepFn("grafana-step", 2) // min 1, max 10, step 1, down window 2m
		e := newReview52BEnv(t, fn)
		if w := e.post(t, review52JGrafanaStep("firing", fn.Ref.String(), "fp-gstep")); w.Code != http.StatusOK {
			t.Fatalf("firing: %d %s", w.Code, w.Body)
		}
		e.pending(t)
		if got := e.replicas(t, fn.Ref); got != 3 {
			t.Fatalf("setup: after Grafana's step alert fired: %d replicas, want 3", got)
		}
		// The alert fires on; Grafana sends nothing more before its repeat
		// interval. The loop's periodic passes run every 10 s.
		var lowest uint64 = 3
		for range 30 { // 5 minutes: past StepRuleEvidence and the 2m down window
			time.Sleep(10 * time.Second)
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			lowest = min(lowest, e.replicas(t, fn.Ref))
		}
		if lowest != 3 {
			t.Errorf("Grafana step alert still firing (no resolution sent), 5m after its only delivery: went down to %d replicas, want the stepped 3 kept until it resolves", lowest)
		}
	})
}
