package openfaas

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// faasdTaskFailure is what faasd's scale handler answers when it cannot
// start the function's task: createTask's error, with a 400
// (pkg/provider/handlers/scale.go: `http.Error(w, deployErr.Error(),
// http.StatusBadRequest)`; the same 400 for a failed resume or a failed
// delete of a stopped task). It is a runtime failure of that moment
// (containerd, CNI), not a refusal of the count.
const faasdTaskFailure = "unable to start task: figlet, error: failed to create shim task: context deadline exceeded: unknown"

// TestFaasdTransientTaskFailureIsNotARefusal (found by a review helper; a
// 400 is now a refusal only when its body refuses the request): a function on faasd whose
// task stopped (replicas 0) is scaled back to its minimum of 1. faasd's
// first attempt fails to start the task and answers 400 with the error;
// a moment later it would work. The client maps every 400 on a scale to a
// *provider.RefusedError ("retrying the same count cannot help"), so the
// actuator holds the count of 1 off for its refused back-off (an hour by
// default): the function stays at 0 replicas for the hour while the
// scaler asks for 1 at every pass, where an ordinary error would be
// retried after the failure back-off (1s doubling to at most a minute).
func TestFaasdTransientTaskFailureIsNotARefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
		var mu sync.Mutex
		running, failNext, scales := false, true, 0
		mux := http.NewServeMux()
		mux.HandleFunc("GET /system/info", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(faasdInfoCE))
		})
		mux.HandleFunc("GET /system/function/{name}", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			s := wireStatus{Name: "figlet", Image: "ghcr.io/openfaas/figlet", Namespace: "openfaas-fn"}
			if running {
				s.Replicas, s.AvailableReplicas = 1, 1
			}
			writeJSON(w, http.StatusOK, s)
		})
		mux.HandleFunc("POST /system/scale-function/{name}", func(w http.ResponseWriter, r *http.Request) {
			var req scaleRequest
			_ = json.NewDecoder(r.Body).Decode(&req)
			mu.Lock()
			defer mu.Unlock()
			scales++
			if failNext {
				failNext = false
				http.Error(w, faasdTaskFailure, http.StatusBadRequest)
				return
			}
			running = true
		})
		cl := newTestClient(t, "http://faasd.test:8081/", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: handlerTransport{mux}}
		})
		cfg := actuator.Default()
		cfg.Provider = cl
		a, err := actuator.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		apply := func() actuator.Outcome {
			return a.Apply(t.Context(), actuator.Intent{Ref: ref, From: 0, To: 1, Who: actuator.Scaler, Observed: time.Now()})
		}
		first := apply()
		var refused *provider.RefusedError
		if errors.As(first.Err, &refused) {
			t.Errorf("faasd's 400 %q for a task that failed to start is a *provider.RefusedError (%v); want an ordinary error, retried after the back-off",
				faasdTaskFailure, first.Err)
		}
		// Two minutes later (past the failure back-off's one-minute cap) the
		// scaler still wants 1 and faasd would now start the task.
		time.Sleep(2 * time.Minute)
		second := apply()
		mu.Lock()
		defer mu.Unlock()
		if !running || second.Code != actuator.CodeApplied {
			t.Errorf("0→1 two minutes after a transient faasd task failure: %s (%s), %d scale request(s), task running %v; "+
				"want the scale sent again and applied", second.Code, second.Reason, scales, running)
		}
	})
}
