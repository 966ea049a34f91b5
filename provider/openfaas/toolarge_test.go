package openfaas

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReplyAboveTheBoundIsNotRetried: a 2xx reply larger than the call's
// bound is final. The same request gets the same body (a listing grown past
// 64 MiB, a gateway streaming without end), so each retry only read and
// decoded the bound again: with the default 3 retries a listing above it
// cost four reads of 64 MiB per pass before it failed. The body here is
// whitespace inside a JSON array, which the listing's decoder reads
// without allocating functions.
func TestReplyAboveTheBoundIsNotRetried(t *testing.T) {
	pad := bytes.Repeat([]byte(" "), 1<<20)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/system/functions") {
			http.NotFound(w, r) // the /system/info read before a listing
			return
		}
		requests.Add(1)
		_, _ = w.Write([]byte("["))
		for range maxReplyBody>>20 + 1 {
			if _, err := w.Write(pad); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte("]"))
	}))
	defer srv.Close()
	cl := newTestClient(t, srv.URL, nil) // DefaultRetries: 3
	_, err := cl.Functions(t.Context(), "openfaas-fn")
	if err == nil || !strings.Contains(err.Error(), "reply larger than") {
		t.Fatalf("listing above the bound: error %v, want one saying the reply is larger than the bound", err)
	}
	if !strings.Contains(err.Error(), "not retried") {
		t.Errorf("error %q does not say the call was not retried", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("a listing above the bound was asked %d times, want once (not retried)", n)
	}
}
