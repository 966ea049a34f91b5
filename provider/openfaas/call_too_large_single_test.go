package openfaas

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestSingleReadAboveTheBoundIsNotRetried: a 2xx reply above the
// call's bound is final, "not retried as a transport error is: the same
// request gets the same body (a listing grown past the bound, a gateway
// streaming without end), and each retry read and decoded the whole bound
// again" (call.go, tooLargeError; commit d5bbd39). Only the streamed
// listing returns tooLargeError; the buffered path (attempt: GET
// /system/function/{name}, GET /system/namespaces) returns a plain error
// for the same condition, which do() retries as a transport error: a
// gateway streaming without end on a function read is read 64 MiB at a
// time once per retry (each alert notification and each conditional
// write reads the function).
//
// Seen failing before the fix: "a function read above the bound was asked 2 times, want once".
func TestSingleReadAboveTheBoundIsNotRetried(t *testing.T) {
	pad := bytes.Repeat([]byte("a"), 1<<20)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/system/function/figlet") {
			http.NotFound(w, r)
			return
		}
		requests.Add(1)
		_, _ = w.Write([]byte(`{"name":"figlet","image":"`))
		for range maxReplyBody>>20 + 1 {
			if _, err := w.Write(pad); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	}))
	defer srv.Close()
	cl := newTestClient(t, srv.URL, func(c *Config) { c.Retries = 1 })
	_, err := cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"})
	if err == nil || !strings.Contains(err.Error(), "reply larger than") {
		t.Fatalf("read above the bound: error %v, want one saying the reply is larger than the bound", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("a function read above the bound was asked %d times, want once (not retried, as the listing): %v", n, err)
	}
}
