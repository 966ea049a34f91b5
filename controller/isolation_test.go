package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// alertBody is an AlertManager v4 webhook body with one firing
// FunctionLoadAboveTarget alert per function, each carrying its load.
func alertBody(loads map[string]float64) string {
	var parts []string
	for name, load := range loads {
		parts = append(parts, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"FunctionLoadAboveTarget","function_name":"%s.%s","scaling_type":"rps"},`+
			`"annotations":{"load":"%g"},"startsAt":"2026-12-01T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"fp-%s"}`, name, ns, load, name))
	}
	return `{"version":"4","status":"firing","receiver":"faas-autoscaler","groupKey":"{}","alerts":[` + strings.Join(parts, ",") +
		`],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093"}`
}

// One function's failures stay with it: a function whose every Scale fails
// and one whose Scale hangs for 20 s do not delay another function's webhook
// answer (200) or its scale, which is written at once; the failing one backs
// off on its own; nothing answers 503 for a per-function failure.
func TestOneFunctionsFailureStaysWithIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lbl := labels(scaler.LabelTarget, "10", scaler.LabelMax, "20")
		s := newStack(t, testConfig(), Wiring{},
			fn{name: "bad", replicas: 1, labels: lbl}, fn{name: "hung", replicas: 1, labels: lbl}, fn{name: "good", replicas: 1, labels: lbl})
		s.mem.FailScale(ref("bad"), 1000, errors.New("faas-netes: 500 deployment not found"))
		release := s.mem.Block(ref("hung"))
		defer release()
		h, err := alerts.NewHandler(alerts.Config{Sink: s.ctl.Loop, DefaultNamespace: ns, Auth: alerts.AuthNone})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(5 * time.Second) // listed, evaluated once without load

		post := func(body string) int {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/system/alert", strings.NewReader(body)))
			return rec.Code
		}
		if code := post(alertBody(map[string]float64{"bad": 80, "hung": 80})); code != http.StatusOK {
			t.Errorf("webhook for the failing functions: %d, want 200 (accepted; their failures are theirs)", code)
		}
		synctest.Wait()
		if s.mem.Held(ref("hung")) != 1 {
			t.Fatalf("the hung function's write is not held in the provider (held %d)", s.mem.Held(ref("hung")))
		}
		start := time.Now()
		if code := post(alertBody(map[string]float64{"good": 80})); code != http.StatusOK {
			t.Errorf("webhook for a healthy function while another hangs: %d, want 200", code)
		}
		synctest.Wait()
		if r := s.replicas(t, "good"); r <= 1 {
			t.Fatalf("the healthy function was not scaled at once: %d replicas after %s", r, time.Since(start))
		}
		if took := s.writes("good")[0].At.Sub(start); took != 0 {
			t.Errorf("the healthy function's scale took %s of virtual time, want at once", took)
		}
		// The hung call ends at the actuator's deadline; the failing one backs off.
		time.Sleep(25 * time.Second)
		for _, name := range []string{"bad", "hung"} {
			e, ok := s.ctl.Actuator.Explain(ref(name))
			if !ok {
				t.Fatalf("%s: no actuation explanation", name)
			}
			ex := e.(actuator.Explanation)
			if ex.Failures == 0 || ex.LastError == "" {
				t.Errorf("%s: failure not recorded with the function: %+v", name, ex)
			}
		}
		if err := s.ctl.Loop.Notify(t.Context(), scaler.Signal{Ref: ref("good"), Status: scaler.Firing}); err != nil {
			t.Errorf("Notify for a healthy function after others failed: %v, want accepted", err)
		}
	})
}
