package openfaas

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReplyAboveTheBoundIsNotRetried: a 2xx reply larger than the call's
// bound is final. The same request gets the same body (a listing grown past
// 64 MiB, a gateway streaming without end), so each retry only read and
// decoded the bound again: with the default 3 retries a listing above it
// cost four reads of 64 MiB per pass before it failed. The listing's body is
// whitespace inside a JSON array, which its decoder reads without
// allocating functions.
//
// The function read (buffered, not streamed: every alert notification and
// conditional write reads the function) was still retried.
// Seen failing before the fix: "a function read above the bound was asked
// 2 times, want once".
func TestReplyAboveTheBoundIsNotRetried(t *testing.T) {
	for _, c := range []struct {
		name, path, open, close string
		call                    func(context.Context, *Client) error
	}{
		{"listing", "/system/functions", "[", "]", func(ctx context.Context, cl *Client) error {
			_, err := cl.Functions(ctx, "openfaas-fn")
			return err
		}},
		{"function read", "/system/function/figlet", `{"name":"figlet","image":"`, `"}`, func(ctx context.Context, cl *Client) error {
			_, err := cl.Function(ctx, provider.Ref{Name: "figlet", Namespace: "openfaas-fn"})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pad := bytes.Repeat([]byte(" "), 1<<20)
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, c.path) {
					http.NotFound(w, r) // the /system/info read before a listing
					return
				}
				requests.Add(1)
				_, _ = w.Write([]byte(c.open))
				for range maxReplyBody>>20 + 1 {
					if _, err := w.Write(pad); err != nil {
						return
					}
				}
				_, _ = w.Write([]byte(c.close))
			}))
			defer srv.Close()
			// DefaultRetries: 3. A long attempt timeout: reading 64 MiB took
			// over the default 5 s under -race (23 s for the four attempts),
			// and an attempt timed out is retried, which is not what is tested.
			cl := newTestClient(t, srv.URL, func(c *Config) { c.Timeout = 2 * time.Minute })
			err := c.call(t.Context(), cl)
			if err == nil || !strings.Contains(err.Error(), "reply larger than") {
				t.Fatalf("%s above the bound: error %v, want one saying the reply is larger than the bound", c.name, err)
			}
			if !strings.Contains(err.Error(), "not retried") {
				t.Errorf("error %q does not say the call was not retried", err)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("a %s above the bound was asked %d times, want once (not retried)", c.name, n)
			}
		})
	}
}
