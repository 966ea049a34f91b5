package openfaas

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
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

// TestFaasdTaskFailureInRuncsWordsIsNotARefusal: faasd answers a
// scale whose task it cannot create with a 400 carrying containerd's error
// (pkg/provider/handlers/scale.go: http.Error(w, deployErr.Error(), 400)).
// When runc dies before writing its log, containerd's shim says so in the
// widely seen form "OCI runtime create failed: unable to retrieve OCI
// runtime error (open <bundle>/log.json: no such file or directory): ..."
// (pkg/process/init.go runtimeError). That is a failure of the moment
// (runc OOM-killed, a missing runtime binary), not the provider refusing
// the count; refusal() matches the word "json" in "log.json" and makes it a
// *provider.RefusedError, which the actuator holds off for its refused
// back-off (an hour) with the function at 0. runc's "failed to unshare
// remaining namespaces" met the word "namespace" the same way.
//
// Seen failing before the fix (found by a review): faasd's 400 for a task
// runc failed to create is a *provider.RefusedError (provider refused 1
// replicas for figlet.openfaas-fn: unable to start task: …log.json: no
// such file or directory…); want an ordinary error, retried after the
// failure back-off
func TestFaasdTaskFailureInRuncsWordsIsNotARefusal(t *testing.T) {
	for _, body := range []string{
		"unable to start task: figlet, error: failed to create shim task: OCI runtime create failed: " +
			"unable to retrieve OCI runtime error (open /run/containerd/io.containerd.runtime.v2.task/openfaas-fn/figlet/log.json: " +
			"no such file or directory): runc did not terminate successfully: signal: killed: unknown",
		"unable to start task: figlet, error: failed to create shim task: OCI runtime create failed: " +
			"runc create failed: unable to start container process: failed to unshare remaining namespaces: operation not permitted: unknown",
	} {
		taskFailureIsNotARefusal(t, body)
	}
}

// taskFailureIsNotARefusal scales a function on faasd whose scale answers
// 400 with body, and fails t if the error is a refusal.
func taskFailureIsNotARefusal(t *testing.T, body string) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /system/info", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(faasdInfoCE))
	})
	mux.HandleFunc("POST /system/scale-function/{name}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, body, http.StatusBadRequest)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cl := newTestClient(t, srv.URL, nil)

	err := cl.Scale(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 1)
	if err == nil {
		t.Fatal("Scale succeeded; want an error")
	}
	var refused *provider.RefusedError
	if errors.As(err, &refused) {
		t.Errorf("faasd's 400 for a task runc failed to create is a *provider.RefusedError (%v); want an ordinary error, retried after the failure back-off", err)
	}
}
