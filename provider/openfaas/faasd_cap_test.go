package openfaas

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// realFaasd imitates faasd's provider as its source behaves
// (pkg/provider/handlers/scale.go, functions.go): a function is one
// containerd task, so GetFunction reports replicas 1 when the task runs and
// 0 otherwise; a scale to any N > 0 makes sure the task runs and answers an
// implicit 200, whatever N was; 0 is a 400 on faasd CE.
// reference/openfaas.md §3: "faasd CE: ... at most 1 task per function".
type realFaasd struct {
	mu      sync.Mutex
	running bool
	scales  []uint64
}

func (f *realFaasd) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /system/info", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(faasdInfoCE))
	})
	status := func() wireStatus {
		s := wireStatus{Name: "figlet", Image: "ghcr.io/openfaas/figlet", Namespace: "openfaas-fn"}
		if f.running {
			s.Replicas = 1
		}
		return s
	}
	mux.HandleFunc("GET /system/function/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		s := status()
		f.mu.Unlock()
		s.AvailableReplicas = s.Replicas
		writeJSON(w, http.StatusOK, s)
	})
	mux.HandleFunc("GET /system/functions", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		s := status()
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, []wireStatus{s})
	})
	mux.HandleFunc("POST /system/scale-function/{name}", func(w http.ResponseWriter, r *http.Request) {
		var req scaleRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.scales = append(f.scales, req.Replicas)
		if req.Replicas == 0 {
			http.Error(w, "replicas must > 0 for faasd CE", http.StatusBadRequest)
			return
		}
		f.running = true // one task, whatever count was asked
	})
	return mux
}

// TestFaasdScaleAboveOneIsNotReportedAsLanded (found by a review helper;
// the client now sends 1 and reports the refusal): faasd runs one task per
// function and answers 200 to a scale to 3 while it keeps running one. The
// client reports that scale as a success (it only caps counts above 5, the
// faas-netes CE cap), so the controller believes 3 replicas run while 1
// does; the next read shows 1 and the same scale to 3 is sent again at
// every pass, each "applied", and the operator is never told that faasd
// cannot run more than one replica.
func TestFaasdScaleAboveOneIsNotReportedAsLanded(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	f := &realFaasd{running: true}
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	cl := newTestClient(t, srv.URL, nil)

	err := cl.Scale(t.Context(), ref, 3)
	got, rerr := cl.Function(t.Context(), ref)
	if rerr != nil {
		t.Fatal(rerr)
	}
	var refused *provider.RefusedError
	if err == nil && got.Replicas != 3 {
		t.Errorf("Scale(3) on faasd CE = <nil> (success), but the provider runs %d replica(s) afterwards; "+
			"want a *provider.RefusedError saying faasd runs at most 1 replica (landed 1)", got.Replicas)
	} else if err != nil && (!errors.As(err, &refused) || refused.Replicas != 3 || (refused.HasLanded && refused.Landed != 1)) {
		t.Errorf("Scale(3) on faasd CE = %v; want a *provider.RefusedError for 3 with 1 landed", err)
	}
}

// TestFaasdActuatorAsksForThreeAtEveryPass (found by a review helper): through the actuator, the
// scaler's wish for 3 replicas on faasd is sent and reported applied at
// every pass (from the 1 it reads each time), where the CE cap of 5 on
// faas-netes is asked once and then held off as refused.
func TestFaasdActuatorAsksForThreeAtEveryPass(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	f := &realFaasd{running: true}
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	cl := newTestClient(t, srv.URL, nil)
	cfg := actuator.Default()
	cfg.Provider = cl
	a, err := actuator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for range 3 { // three scaler passes, each reading 1 replica and wanting 3
		o := a.Apply(t.Context(), actuator.Intent{Ref: ref, From: 1, To: 3, Who: actuator.Scaler, Observed: time.Now()})
		codes = append(codes, string(o.Code))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.scales) > 1 || codes[0] == string(actuator.CodeApplied) {
		t.Errorf("3 passes wanting 1→3 on faasd CE (one task per function): outcomes %v, %d scale requests %v, provider runs %v; "+
			"want the first reported refused (faasd runs at most 1) and no further request", codes, len(f.scales), f.scales, f.running)
	}
}
