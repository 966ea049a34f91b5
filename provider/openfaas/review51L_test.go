package openfaas

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview51LHangingInfoDoesNotStallTheCallItPrecedes: GET /system/info
// is a side read before a listing (faasdListing) and before a scale to 0
// or above 5 (communityEdition). Both are documented to treat "any failure
// to read it" as "not faasd" / "not CE" and go on as before. But infoCall
// is sent once, and attempt() drops the per-attempt Config.Timeout (5s)
// for a call sent once under a caller's deadline, so a gateway that
// accepts /system/info and never answers (a provider stuck behind the
// gateway's proxy) holds the read until the caller's own deadline: the
// idler's listing (call_timeout 30s) and the actuator's scale
// (call_timeout 10s) then fail with "context deadline exceeded" without
// the listing or the scale ever being sent, at every pass, since a read
// ended by the caller's context is not cached as failed either.
// Expected: the side read is bounded by Config.Timeout like any read, and
// the listing/scale goes ahead after it. (A scale above 5 reads
// /system/info twice, faasdProvider then communityEdition: bounding each
// at 5s alone would still spend the 10s; the two reads should be one.)
func TestReview51LHangingInfoDoesNotStallTheCallItPrecedes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		deadline time.Duration
		call     func(context.Context, *Client) error
	}{
		{"listing (idler call_timeout 30s)", 30 * time.Second, func(ctx context.Context, cl *Client) error {
			_, err := cl.Functions(ctx, "openfaas-fn")
			return err
		}},
		{"scale to 0 (actuator call_timeout 10s)", 10 * time.Second, func(ctx context.Context, cl *Client) error {
			return cl.Scale(ctx, provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 0)
		}},
		{"scale to 7 (actuator call_timeout 10s)", 10 * time.Second, func(ctx context.Context, cl *Client) error {
			return cl.Scale(ctx, provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 7)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent atomic.Int32
				mux := http.NewServeMux()
				mux.HandleFunc("GET /system/info", func(w http.ResponseWriter, r *http.Request) {
					<-r.Context().Done() // never answers
				})
				mux.HandleFunc("GET /system/functions", func(w http.ResponseWriter, r *http.Request) {
					sent.Add(1)
					writeJSON(w, http.StatusOK, []wireStatus{fig("openfaas-fn", 1)})
				})
				mux.HandleFunc("POST /system/scale-function/{name}", func(w http.ResponseWriter, r *http.Request) {
					sent.Add(1)
					w.WriteHeader(http.StatusAccepted)
				})
				cl := newTestClient(t, "http://gateway.test:8080/", func(c *Config) {
					c.HTTPClient = &http.Client{Transport: handlerTransport{mux}}
				})
				ctx, cancel := context.WithTimeout(t.Context(), tc.deadline)
				defer cancel()
				start := time.Now()
				err := tc.call(ctx, cl)
				if err != nil || sent.Load() != 1 {
					t.Errorf("with /system/info hanging: error %v after %s, %d request(s) sent; "+
						"want the call sent once the info read gives up at Config.Timeout (%s), and no error",
						err, time.Since(start), sent.Load(), DefaultTimeout)
				}
			})
		})
	}
}

// TestReview51LScaleRedirectedToASignInPageIsNotSuccess: the gateway is
// behind an auth proxy (oauth2-proxy, an SSO ingress) whose session
// expired: it answers the POST /system/scale-function with a 302 to its
// sign-in page, which answers 200 text/html. net/http follows the 302 and,
// as for any 301/302/303, turns the POST into a GET without the body; the
// client then takes the sign-in page's 200 for the scale's "Any 2xx is
// success" and reports the scale done. Nothing was scaled, and the
// actuator records a change that never happened (scale-to-zero is
// "done", the function keeps running). The listing and function reads
// through the same redirect fail (the page is not JSON); only the write
// reports success.
// Expected: a scale that was redirected is not success: the client either
// does not follow a redirect for the POST, or reports the redirect (its
// Location) as an error.
func TestReview51LScaleRedirectedToASignInPageIsNotSuccess(t *testing.T) {
	var posts, gets atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /system/scale-function/{name}", func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		http.Redirect(w, r, "/oauth2/sign_in?rd="+r.URL.Path, http.StatusFound)
	})
	mux.HandleFunc("GET /oauth2/sign_in", func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Sign in with your identity provider</body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cl := newTestClient(t, srv.URL, nil)
	// 3: no /system/info read (the route answers 404 here: not faasd, not CE).
	err := cl.Scale(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 3)
	if err == nil {
		t.Errorf("a scale answered with a 302 to a sign-in page (POST sent %d time(s), the page fetched %d time(s) with GET) returned nil: "+
			"reported as done while nothing was scaled; want an error naming the redirect", posts.Load(), gets.Load())
	} else if !strings.Contains(strings.ToLower(err.Error()), "redirect") && !strings.Contains(err.Error(), "sign_in") {
		t.Errorf("redirected scale: error %q does not say the gateway redirected", err)
	}
}

// TestReview51LBasicAuthNotSentInClearAfterARedirect: the gateway URL is
// https (the operator chose TLS for the basic-auth password), and the
// ingress in front redirects to a plain http URL on the same host (a
// misconfigured ingress, or a "force-ssl" rule set the wrong way round).
// The client's own http.Client follows the redirect and net/http copies
// the Authorization header to any redirect target on the same host or a
// subdomain, whatever the scheme: the admin password goes over plain
// http. (To another host net/http drops it.) Expected: the client does not
// send the credentials over a scheme downgrade (refuses the redirect, or
// drops them).
func TestReview51LBasicAuthNotSentInClearAfterARedirect(t *testing.T) {
	var clearAuth atomic.Value
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok {
			clearAuth.Store(u + ":" + p)
		}
		writeJSON(w, http.StatusOK, fig("openfaas-fn", 1))
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer tlsSrv.Close()
	// Both listen on 127.0.0.1: the same host, another scheme and port.
	cl := newTestClient(t, tlsSrv.URL, func(c *Config) { c.Username, c.Password = "admin", "s3cret" })
	// The client's own transport (New with HTTPClient nil), trusting the
	// test server's certificate.
	cl.http.Transport.(*http.Transport).TLSClientConfig = tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig
	_, _ = cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"})
	if got, _ := clearAuth.Load().(string); got != "" {
		t.Errorf("https gateway URL redirected to %s: the basic-auth credentials %q were sent over plain http; want them kept off a downgraded redirect", plain.URL, got)
	}
}

// stalledBodyTransport answers every request with status and headers at
// once and a body that sends nothing more until the request's context
// ends: a gateway (or a proxy in front of it) whose reply stalls after the
// status line, the server side of a slowloris.
type stalledBodyTransport struct {
	status int
	sent   *atomic.Int32
}

func (t stalledBodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.sent.Add(1)
	return &http.Response{
		StatusCode: t.status, Status: http.StatusText(t.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/plain"}}, ContentLength: -1,
		Body: stalledBody{r.Context()}, Request: r,
	}, nil
}

type stalledBody struct{ ctx context.Context }

func (b stalledBody) Read([]byte) (int, error) { <-b.ctx.Done(); return 0, b.ctx.Err() }
func (b stalledBody) Close() error             { return nil }

// TestReview51LScaleAcceptedWithAStalledBodyIsSuccess: faas-netes answers a
// scale 202 (faasd 200) and the client uses nothing of a 2xx scale reply
// but its status. Yet attempt() reads the whole body (io.ReadAll) before
// the status is looked at, and a scale sent once under the caller's
// deadline has no per-attempt Timeout: a reply whose body stalls after
// "202 Accepted" holds the scale until the actuator's call_timeout (10s)
// and is then reported as "context deadline exceeded": a scale the
// gateway accepted is recorded as failed, the function backed off, and
// the explain output shows a failure for a write that landed.
// Expected: a 2xx to a scale is success once the status is in; the body
// is at most drained within a bound.
func TestReview51LScaleAcceptedWithAStalledBodyIsSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sent atomic.Int32
		cl := newTestClient(t, "http://gateway.test:8080/", func(c *Config) {
			c.HTTPClient = &http.Client{Transport: stalledBodyTransport{status: http.StatusAccepted, sent: &sent}}
		})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		// 1: no /system/info read (ceLimit reads it for 0 or above 5,
		// faasd's name above 1).
		err := cl.Scale(ctx, provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 1)
		if err != nil {
			t.Errorf("a scale answered 202 Accepted whose body then stalled: error %v after %s (%d request(s)); want success: the status says the scale was accepted",
				err, time.Since(start), sent.Load())
		}
	})
}
