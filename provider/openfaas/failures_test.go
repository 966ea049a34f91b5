package openfaas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRetries: reads are retried on 5xx, never on 4xx; a scale is never
// retried (see Client.Scale).
func TestRetries(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	tests := []struct {
		name         string
		scale        bool // Scale to 2; else Function
		fail         []int
		wantRequests int
		wantStatus   int // 0: success
	}{
		{name: "5xx then success", fail: []int{502, 503}, wantRequests: 3},
		{name: "5xx forever gives up", fail: []int{503, 503, 503, 503, 503}, wantRequests: DefaultRetries + 1, wantStatus: 503},
		{name: "4xx not retried", fail: []int{409, 409}, wantRequests: 1, wantStatus: 409},
		{name: "429 not retried either", fail: []int{429}, wantRequests: 1, wantStatus: 429},
		{name: "scale after 5xx not retried", scale: true, fail: []int{502}, wantRequests: 1, wantStatus: 502},
		{name: "scale success", scale: true, wantRequests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasNetes)
			g.deploy(fig("openfaas-fn", 1))
			g.failNext(tc.fail...)
			cl := newTestClient(t, g.start(t, "").URL, nil)
			var err error
			var fn provider.Function
			if tc.scale {
				err = cl.Scale(t.Context(), ref, 2)
			} else {
				fn, err = cl.Function(t.Context(), ref)
			}
			if got := g.requestCount(); got != tc.wantRequests {
				t.Errorf("requests = %d, want %d", got, tc.wantRequests)
			}
			if tc.wantStatus == 0 {
				if err != nil {
					t.Fatal(err)
				}
				want := uint64(1) // a read changes nothing
				if tc.scale {
					want = 2
				}
				if g.replicas(ref) != want || (!tc.scale && fn.Replicas != want) {
					t.Errorf("replicas = %d (read %d) after success, want %d", g.replicas(ref), fn.Replicas, want)
				}
				return
			}
			var se *StatusError
			if !errors.As(err, &se) || se.Status != tc.wantStatus || se.Attempts != tc.wantRequests {
				t.Fatalf("err = %v, want *StatusError %d after %d attempts", err, tc.wantStatus, tc.wantRequests)
			}
			if !strings.Contains(se.Body, "injected") {
				t.Errorf("body %q not carried", se.Body)
			}
		})
	}
}

func TestNonJSONReply(t *testing.T) {
	g := newFakeGateway(faasNetes)
	g.hook = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>Welcome to nginx!</body></html>"))
	}
	cl := newTestClient(t, g.start(t, "").URL, nil)
	calls := map[string]func() error{
		"namespaces": func() error { _, err := cl.Namespaces(t.Context()); return err },
		"functions":  func() error { _, err := cl.Functions(t.Context(), "openfaas-fn"); return err },
		"function": func() error {
			_, err := cl.Function(t.Context(), provider.Ref{Name: "f", Namespace: "openfaas-fn"})
			return err
		},
	}
	endpoints := map[string]string{
		"namespaces": "GET /system/namespaces",
		"functions":  "GET /system/functions?namespace=openfaas-fn",
		"function":   "GET /system/function/f?namespace=openfaas-fn",
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil {
				t.Fatal("no error for an HTML reply")
			}
			for _, want := range []string{endpoints[name], "not the expected JSON", "Welcome to nginx"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestEmptyFunctionObjectIsAnError(t *testing.T) {
	g := newFakeGateway(faasNetes)
	g.hook = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{}) }
	cl := newTestClient(t, g.start(t, "").URL, nil)
	if _, err := cl.Function(t.Context(), provider.Ref{Name: "f", Namespace: "openfaas-fn"}); err == nil {
		t.Fatal("an empty object must not read as a function at zero replicas")
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	cl := newTestClient(t, "http://"+addr, nil)
	_, err = cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want it to wrap ECONNREFUSED", err)
	}
	if !strings.Contains(err.Error(), "after 4 attempts") || !strings.Contains(err.Error(), "figlet.openfaas-fn") {
		t.Errorf("error %q should name the function and the attempts", err)
	}
	err = cl.Scale(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 1)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("scale: err = %v, want it to wrap ECONNREFUSED", err)
	}
	if !strings.Contains(err.Error(), "a scale is sent once, not retried") || !strings.Contains(err.Error(), "figlet.openfaas-fn") {
		t.Errorf("scale: error %q should name the function and say it was not retried", err)
	}
	// The other reads sent once (the edition's /system/info, the check
	// after a failed scale that the function is gone) are not scales:
	// their error said "a scale is sent once" all the same, and the info
	// read's named "namespace " with nothing after it.
	for _, c := range []call{infoCall(), {op: OpFunction, ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"},
		method: http.MethodGet, path: []string{"system", "function", "figlet"}, once: true}} {
		_, err := cl.do(t.Context(), c)
		if err == nil || strings.Contains(err.Error(), "a scale") || !strings.Contains(err.Error(), "sent once, not retried") ||
			strings.Contains(err.Error(), "namespace :") {
			t.Errorf("%s sent once: error %v, want it said sent once and not retried, not called a scale, and no empty namespace named", c.op, err)
		}
	}
}

func TestInvalidNamesSendNothing(t *testing.T) {
	g := newFakeGateway(faasNetes)
	cl := newTestClient(t, g.start(t, "").URL, nil)
	for _, ref := range []provider.Ref{
		{Name: "..", Namespace: "openfaas-fn"},
		{Name: "a/b", Namespace: "openfaas-fn"},
		{Name: "f", Namespace: "ns?x=1"},
		{Name: "", Namespace: "openfaas-fn"},
	} {
		if err := cl.Scale(t.Context(), ref, 1); err == nil || !strings.Contains(err.Error(), "not a valid OpenFaaS name") {
			t.Errorf("Scale(%+v) err = %v, want invalid name", ref, err)
		}
	}
	if _, err := cl.Functions(t.Context(), "../x"); err == nil {
		t.Error("Functions accepted ../x")
	}
	if n := g.requestCount(); n != 0 {
		t.Errorf("%d requests sent for invalid names", n)
	}
}

func TestCallerContextCancelled(t *testing.T) {
	g := newFakeGateway(faasNetes)
	started, release := make(chan struct{}), make(chan struct{})
	g.hook = func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client going away only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		close(started)
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	}
	srv := g.start(t, "")
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	cl := newTestClient(t, srv.URL, func(c *Config) { c.Timeout = time.Minute })
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-started; cancel() }()
	err := cl.Scale(ctx, provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if g.requestCount() != 1 {
		t.Errorf("retried after the caller cancelled: %d requests", g.requestCount())
	}
}

// TestErrorsClassifyForMetrics checks that the client's errors land in the
// right result label of provider.Instrument.
func TestErrorsClassifyForMetrics(t *testing.T) {
	tests := []struct {
		name    string
		user    string // wrong credentials when set
		ref     provider.Ref
		replica uint64
		want    string
	}{
		{name: "ok", ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, replica: 2, want: provider.ResultOK},
		{name: "missing", ref: provider.Ref{Name: "nope", Namespace: "openfaas-fn"}, replica: 2, want: provider.ResultNotFound},
		{name: "zero refused", ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, replica: 0, want: provider.ResultRefused},
		{name: "bad credentials", user: "eve", ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, replica: 2, want: provider.ResultUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasd)
			g.user, g.pass = "admin", "pw"
			g.deploy(fig("openfaas-fn", 1))
			user := "admin"
			if tc.user != "" {
				user = tc.user
			}
			cl := newTestClient(t, g.start(t, "").URL, func(c *Config) { c.Username, c.Password = user, "pw" })
			if got := provider.Result(cl.Scale(t.Context(), tc.ref, tc.replica)); got != tc.want {
				t.Errorf("Result = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRetriesAreLogged(t *testing.T) {
	var buf bytes.Buffer
	g := newFakeGateway(faasNetes)
	g.deploy(fig("openfaas-fn", 1))
	g.failNext(502, 503)
	cl := newTestClient(t, g.start(t, "").URL, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if _, err := cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log lines = %q, want one per retry", lines)
	}
	for i, want := range []string{"attempt=2", "attempt=3"} {
		if !strings.Contains(lines[i], "retrying provider call") || !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "target=figlet.openfaas-fn") {
			t.Errorf("line %d = %q", i, lines[i])
		}
	}
}

// lostReplyGateway is a scripted OpenFaaS provider behind an
// http.RoundTripper: no network, every step deterministic. It applies the
// first scale POST, runs afterFirstPost, then loses the reply.
type lostReplyGateway struct {
	mu             sync.Mutex
	replicas       uint64
	posts          int
	afterFirstPost func(g *lostReplyGateway)
}

func (g *lostReplyGateway) RoundTrip(req *http.Request) (*http.Response, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	reply := func(status int, body string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
	}
	switch {
	case req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, "/system/function/"):
		return reply(200, fmt.Sprintf(`{"name":"fn","namespace":"openfaas-fn","replicas":%d,"availableReplicas":%d}`, g.replicas, g.replicas)), nil
	case req.Method == http.MethodPost && strings.HasPrefix(req.URL.Path, "/system/scale-function/"):
		var sr scaleRequest
		if err := json.NewDecoder(req.Body).Decode(&sr); err != nil {
			return reply(400, "bad json"), nil
		}
		g.posts++
		g.replicas = sr.Replicas // the provider applies the count…
		if g.posts == 1 && g.afterFirstPost != nil {
			g.afterFirstPost(g)
			// …but the reply never reaches us (a reset connection, a
			// per-attempt timeout while the provider was slow, a gateway
			// 502 after the provider answered).
			return nil, errors.New("read: connection reset by peer")
		}
		return reply(202, ""), nil
	}
	return reply(404, "not found"), nil
}

// The idler's scale to zero goes through provider.ScaleIf: the client reads
// the function (1 replica, as the idler saw), then POSTs 0. The provider
// applies it but the reply is lost. Meanwhile an invocation reaches the
// gateway, whose scale-from-zero sets the function back to 1. The scale is
// not retried: ScaleIf returns the error (the actuator backs off and
// re-decides on a fresh read) and the wake stands. A retry of the same
// absolute POST, made without a compare, would set 0 again and fail the
// invocation the gateway holds.
//
// Seen failing before the fix (found by a review): failures_test.go:314: after a lost reply and the gateway's wake: replicas 0, posts 2, ScaleIf err <nil>; want the wake's 1, one POST, the error returned
func TestScaleNotRetriedAfterReplyLost(t *testing.T) {
	g := &lostReplyGateway{replicas: 1, afterFirstPost: func(g *lostReplyGateway) {
		g.replicas = 1 // the gateway's scale-from-zero, on an invocation
	}}
	cfg := DefaultConfig()
	cfg.GatewayURL = "http://gateway.openfaas:8080/"
	cfg.HTTPClient = &http.Client{Transport: g}
	cfg.Rand = func() float64 { return 0 } // no sleep between retries, were there any
	cl, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	err = provider.ScaleIf(context.Background(), cl, ref, 1, 0, time.Time{})
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.replicas != 1 || g.posts != 1 || err == nil || !strings.Contains(err.Error(), "a scale is sent once, not retried") {
		t.Errorf("after a lost reply and the gateway's wake: replicas %d, posts %d, ScaleIf err %v; "+
			"want the wake's 1, one POST, the error returned", g.replicas, g.posts, err)
	}
}

// TestNotImplementedIsNotRetried: 501 says the provider lacks the feature
// (faas-provider answers it for a namespace route it was not given; RFC 9110
// §15.6.2), so repeating the request cannot help. Namespaces takes it as
// "one namespace" and must do so on the first reply, not after Retries more
// requests and their backoff on every listing cycle.
//
// Seen failing before the fix: a 501 was retried: 4 requests, want 1.
func TestNotImplementedIsNotRetried(t *testing.T) {
	g := newFakeGateway(faasNetes, "dev")
	g.namespacesStatus = http.StatusNotImplemented
	cl := newTestClient(t, g.start(t, "").URL, nil)
	got, err := cl.Namespaces(t.Context())
	if err != nil || len(got) != 1 || got[0] != DefaultNamespace {
		t.Fatalf("Namespaces = %v, %v; want [%s]", got, err, DefaultNamespace)
	}
	if n := g.requestCount(); n != 1 {
		t.Errorf("a 501 was retried: %d requests, want 1", n)
	}
}

// TestListNotFoundNamesTheURL: every provider serves GET /system/functions
// (faas-netes and faasd answer 400 for a namespace they do not manage), so a
// 404 there means the gateway URL does not lead to the API: a path prefix
// missing or wrong. Namespaces falls back to the default namespace on a 404
// (older providers lack that route), so the listing's error is the
// operator's one clue and must show the URL that was asked.
func TestListNotFoundNamesTheURL(t *testing.T) {
	g := newFakeGateway(faasNetes)
	g.deploy(fig("openfaas-fn", 1))
	srv := g.start(t, "/gw") // the API is under /gw; the client is given the root
	cl := newTestClient(t, srv.URL, nil)
	_, err := provider.All(t.Context(), cl)
	if err == nil {
		t.Fatal("listing through a wrong gateway URL succeeded")
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusNotFound {
		t.Fatalf("err = %v, want a *StatusError 404", err)
	}
	if errors.Is(err, provider.ErrNotFound) {
		t.Errorf("a 404 on the listing reads as a missing function: %v", err)
	}
	for _, want := range []string{"GET /system/functions?namespace=openfaas-fn", "gateway URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if g.requestCount() != 2 {
		t.Errorf("requests = %d, want 2 (namespaces, functions; a 404 is not retried)", g.requestCount())
	}
}
