package controller

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestReview51WProviderOutageIsNoStall (pin): a provider that answers
// every listing with an error for longer than liveness.max_inactivity
// (the API server down) is not a stalled loop: every scaler pass and idler
// cycle returns at once with the error, so /healthz stays 200 on the
// leader (a restart would fix nothing and only lose the caches). Then,
// back, the loops carry on and a term lost and won again within seconds
// is checked from its own start.
func TestReview51WProviderOutageIsNoStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig() // scaler.interval 2s, idler @every 5s, max_inactivity 10m
		s := newStack(t, cfg, Wiring{}, fn{name: "a", replicas: 1, labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "30s")})
		base := runStack(t, s)
		var leading, down atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: unreachable{s.mem, &down}, Source: s.src, Registerer: reg, Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		mux := Mux(ctl, http.NotFoundHandler(), reg, func() error { return nil })
		check := func(what string) {
			t.Helper()
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: /healthz %d %q, want 200", what, rec.Code, rec.Body)
			}
		}
		end := startTerm(base, ctl, &leading)
		time.Sleep(time.Minute)
		down.Store(true)
		for range 30 {
			time.Sleep(time.Minute)
			check("leader, every listing failing")
		}
		down.Store(false)
		time.Sleep(time.Minute)
		check("leader, provider back")
		if n := idlerErrorRuns(t, reg); n < 300 {
			t.Fatalf("control: %v idler cycles failed in the 30m outage, want one every 5s", n)
		}
		end()
		end2 := startTerm(base, ctl, &leading) // won again at once
		defer end2()
		for range 20 {
			time.Sleep(time.Minute)
			check("a term won again at once")
		}
		if at(&ctl.live.idlerDone).Before(time.Now().Add(-10*time.Second)) || at(&ctl.live.scalerDone).Before(time.Now().Add(-5*time.Second)) {
			t.Fatalf("control: the loops are not cycling in the new term (idler %v, scaler %v, now %v)",
				at(&ctl.live.idlerDone), at(&ctl.live.scalerDone), time.Now())
		}
	})
}

// idlerErrorRuns is faas_autoscaler_idler_runs_total{result="error"}.
func idlerErrorRuns(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "faas_autoscaler_idler_runs_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == "error" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
