package openfaas

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview50ListingHonoursItsDeadlineWhileAnotherCallReadsInfo: the
// cached /system/info read (faasdListing) holds infoCache.mu across the
// HTTP request, and the mutex wait does not watch the caller's context.
// A listing with a 100ms deadline, made while another call (a scale, whose
// info read is sent once under its caller's deadline, so without the
// per-attempt Timeout) waits on a gateway that does not answer
// /system/info, waits out the other call instead of its own deadline.
// (Not in a synctest bubble: a goroutine blocked on a sync.Mutex is not
// durably blocked, so the bubble hung. The 3s wall-clock bound is a
// watchdog for the failure only; a correct client returns at 100ms.)
func TestReview50ListingHonoursItsDeadlineWhileAnotherCallReadsInfo(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /system/info", func(w http.ResponseWriter, r *http.Request) {
		select {
		case entered <- struct{}{}:
		default:
		}
		select { // a gateway that hangs on /system/info
		case <-r.Context().Done():
		case <-release:
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /system/functions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, []wireStatus{fig("openfaas-fn", 1)})
	})
	mux.HandleFunc("POST /system/scale-function/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	cl := newTestClient(t, "http://gateway.test:8080/", func(c *Config) {
		c.HTTPClient = &http.Client{Transport: handlerTransport{mux}}
	})
	figlet := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}

	// A scale to 3 asks whether the provider is faasd (ceLimit →
	// faasdProvider → faasdListing) under its caller's one-hour deadline.
	scaleCtx, cancelScale := context.WithTimeout(context.Background(), time.Hour)
	scaled := make(chan struct{})
	go func() { defer close(scaled); _ = cl.Scale(scaleCtx, figlet, 3) }()
	defer func() { close(release); cancelScale(); <-scaled }()
	<-entered // the scale holds the info cache's lock, waiting on /system/info

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	listed := make(chan error, 1)
	start := time.Now()
	go func() { _, err := cl.Functions(ctx, "openfaas-fn"); listed <- err }()
	select {
	case err := <-listed:
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("a listing with a 100ms deadline returned after %s (%v)", elapsed, err)
		}
	case <-time.After(3 * time.Second):
		t.Errorf("a listing with a 100ms deadline has not returned after 3s: it waits on the info cache's lock, held by another call's /system/info read; want it back by its own deadline")
	}
}

// TestReview50FaasdPauseFailureIsNotFunctionGone: faasd answers a scale
// to zero whose task it fails to pause with a 404 (pkg/provider/handlers/
// scale.go: http.Error(w, "error pausing task <name>, error: …",
// http.StatusNotFound)), and a container it fails to load with a 404
// "cannot load service <name>, error: …". The function is still there
// (its read answers 200, running): the client maps every 404 on a scale
// to provider.ErrNotFound, so the actuator reports "the function no longer
// exists" (CodeGone) for a function that is running and was not scaled.
// faas-netes' 500 lookup failure is confirmed with a read (gone.go); a
// faasd 404 whose body is not "service <name> not found" is not.
func TestReview50FaasdPauseFailureIsNotFunctionGone(t *testing.T) {
	for _, body := range []string{
		"error pausing task figlet, error: failed to pause task: OCI runtime pause failed: unable to freeze: unknown",
		"cannot load service figlet, error: context deadline exceeded",
	} {
		var reads atomic.Int32
		mux := http.NewServeMux()
		mux.HandleFunc("GET /system/function/{name}", func(w http.ResponseWriter, r *http.Request) {
			reads.Add(1)
			writeJSON(w, http.StatusOK, fig("openfaas-fn", 1))
		})
		mux.HandleFunc("POST /system/scale-function/{name}", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, body, http.StatusNotFound)
		})
		srv := httptest.NewServer(mux)
		cl := newTestClient(t, srv.URL, nil)
		figlet := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
		err := cl.Scale(t.Context(), figlet, 0)
		srv.Close()
		if err == nil {
			t.Fatalf("Scale(0) answered 404 %q: nil error", body)
		}
		if errors.Is(err, provider.ErrNotFound) {
			t.Errorf("faasd's 404 %q on a scale of a function that still exists (its read answers 200) is provider.ErrNotFound (%v, %d confirming read(s)); "+
				"want an ordinary error: the function is not gone", body, err, reads.Load())
		}
	}
}
