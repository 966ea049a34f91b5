package prometheus

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestWhitespaceNamedSeriesAreNoFunctions: provider.ParseRef trims the
// function_name label, so a series labelled " ws" (or "ws.openfaas-fn ")
// read as ws's in Activity's and the whole load's answers, while the
// narrowed queries, naming only the trimmed forms, read nothing of it:
// ws read one way asked for alone and another with every function (a
// review's test, session 48). No deployed function is named with
// whitespace, so such a series is no function's (functionRef), asked
// either way; the other function reads as before.
func TestWhitespaceNamedSeriesAreNoFunctions(t *testing.T) {
	names := []string{" ws", "qs.openfaas-fn ", "other.openfaas-fn"}
	src := subsetHistory(t, names, nil)
	ctx := context.Background()
	ws := provider.Ref{Name: "ws", Namespace: "openfaas-fn"}
	qs := provider.Ref{Name: "qs", Namespace: "openfaas-fn"}
	other := provider.Ref{Name: "other", Namespace: "openfaas-fn"}
	all, err := src.Activity(ctx, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if a := all.Of(other); !a.HasStarted || a.Started <= 0 {
		t.Fatalf("Activity reads %s as %+v: the history is wrong", other, a)
	}
	for _, r := range []provider.Ref{ws, qs} {
		if a := all.Of(r); a != (metricsource.FunctionActivity{}) {
			t.Errorf("Activity reads %s as %+v from a series named with whitespace, want nothing", r, a)
		}
		sub, err := src.ActivityFor(ctx, 5*time.Minute, []provider.Ref{r})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(all.Of(r), sub.Of(r), approxReads); d != "" {
			t.Errorf("ActivityFor(%s) differs from Activity's part (-whole +narrowed):\n%s", r, d)
		}
	}
	q := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}
	whole, _, err := src.LoadParts(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []provider.Ref{ws, qs} {
		sub, _, err := src.LoadParts(ctx, q, []provider.Ref{r})
		if err != nil {
			t.Fatal(err)
		}
		w, wHas := whole[r]
		g, gHas := sub[r]
		if wHas {
			t.Errorf("LoadParts rps reads %s as %v from a series named with whitespace, want nothing", r, w)
		}
		if w != g || wHas != gHas {
			t.Errorf("LoadParts rps for %s: narrowed %v (present %v), whole %v (present %v)", r, g, gHas, w, wHas)
		}
	}
}

// TestOddNamesAndTypesNarrowAsWhole pins that names with regexp
// metacharacters, upper case, unicode and dots, and custom types with
// quotes, backslashes and PromQL words, read the same narrowed as whole,
// over several windows (narrowExpr on every load text the source sends).
func TestOddNamesAndTypesNarrowAsWhole(t *testing.T) {
	names := []string{"a+b.openfaas-fn", "Up.openfaas-fn", "ünï.openfaas-fn", "x(y)|z", "a.b.c", "dot.ted.team", "[s].openfaas-fn", "f$^.*?{}.team",
		"fn1", "fn2.openfaas-fn", "fn10", "fn", "ab.team", "abc.team", "FN1"}
	types := []string{`la"t\ency`, `offset up[5m] gateway_function_invocation_total`, "ü`'x"}
	src := subsetHistory(t, names, types)
	ctx := context.Background()
	refs := refsOf(t, names)
	all, err := src.Activity(ctx, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if a := all.Of(r); !a.HasStarted {
			t.Fatalf("Activity has no %s: the history is wrong", r)
		}
		sub, err := src.ActivityFor(ctx, 5*time.Minute, []provider.Ref{r, r})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(all.Of(r), sub.Of(r), approxReads); d != "" {
			t.Errorf("ActivityFor(%s) (-whole +narrowed):\n%s", r, d)
		}
	}
	sub, err := src.ActivityFor(ctx, 5*time.Minute, refs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if d := cmp.Diff(all.Of(r), sub.Of(r), approxReads); d != "" {
			t.Errorf("ActivityFor(all of them), %s (-whole +narrowed):\n%s", r, d)
		}
	}
	for _, typ := range append([]string{metricsource.TypeRPS, metricsource.TypeCapacity, metricsource.TypeCPU, metricsource.TypeQueue}, types...) {
		for _, window := range []time.Duration{10 * time.Second, 90 * time.Second, 4 * time.Minute} {
			q := metricsource.LoadQuery{Type: typ, Window: window}
			whole, wholeParts, err := src.LoadParts(ctx, q, nil)
			if err != nil {
				t.Fatalf("%s %s whole: %v", typ, window, err)
			}
			if len(whole) != len(refs) {
				t.Fatalf("%s %s whole: %d functions (%v), want %d", typ, window, len(whole), whole, len(refs))
			}
			sub, subParts, err := src.LoadParts(ctx, q, refs)
			if err != nil {
				t.Fatalf("%s %s narrowed: %v", typ, window, err)
			}
			for _, r := range refs {
				w, wHas := whole[r]
				g, gHas := sub[r]
				if d := cmp.Diff([]any{w, wHas, wholeParts.For(r, wHas)}, []any{g, gHas, subParts.For(r, gHas)}, approxReads); d != "" {
					t.Errorf("%s over %s, %s (-whole +narrowed):\n%s", typ, window, r, d)
				}
			}
		}
	}
}

// approxReads: two reads milliseconds apart extrapolate a rate at
// different times, a few ulps apart.
var approxReads = cmpopts.EquateApprox(1e-9, 0)

// postRefusingProxy answers 405 to every POST and serves GETs from serve.
func postRefusingProxy(t *testing.T, serve http.HandlerFunc) *Source {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		serve(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	cfg.Timeout = 2 * time.Second
	cfg.DuplicateCheck = 0
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestNarrowedQueriesNeverGoAsGET: behind a proxy that refuses POST, the
// first narrowed queries were sent as GET with the names in the URL, and a
// GET that failed in transport was named by the client's *url.Error, URL
// and all: the functions' names in the error (what queryNamedAt's
// expr/shown split is there to prevent). A narrowed query whose POST is
// refused is now asked again whole (errNarrowedRefused). Seen failing
// before the fix (session 48, a review's test): "ActivityFor's error names
// the functions (12655 bytes)", and LoadParts' alike.
func TestNarrowedQueriesNeverGoAsGET(t *testing.T) {
	src := postRefusingProxy(t, func(w http.ResponseWriter, r *http.Request) {
		// The upstream drops the connection.
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("no hijacker")
			return
		}
		c, _, err := hj.Hijack()
		if err == nil {
			c.Close()
		}
	})
	refs := []provider.Ref{{Name: "secret-name", Namespace: "team"}}
	_, err := src.ActivityFor(context.Background(), 5*time.Minute, refs)
	if err == nil {
		t.Fatal("ActivityFor succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "secret-name") {
		t.Errorf("ActivityFor's error names the functions (%d bytes): %.300s…", len(msg), msg[max(0, strings.Index(msg, "secret-name")-200):])
	}
	src2 := postRefusingProxy(t, func(w http.ResponseWriter, r *http.Request) {
		hj, _ := w.(http.Hijacker)
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
		}
	})
	_, _, err = src2.LoadParts(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}, refs)
	if err == nil {
		t.Fatal("LoadParts succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "secret-name") {
		t.Errorf("LoadParts' error names the functions: %.300s…", msg[max(0, strings.Index(msg, "secret-name")-200):])
	}
}

// TestFirstNarrowedCallBehindAGETOnlyProxyAnswers: behind a read-only
// proxy that refuses POST and, as nginx does by default, answers 414 to a
// request line over 8 KiB, Activity answers, and so must the first
// ActivityFor, for a window of 50 functions, and the first narrowed
// LoadParts. Their narrowed queries were sent as GET with the names in the
// URL (the started query names them eighteen times) before postRefused
// turned narrowing off. Seen failing before the fix (session 48, a
// review's test): "first ActivityFor through the proxy failed where
// Activity answers: … 414 Request URI Too Long", LoadParts' alike.
func TestFirstNarrowedCallBehindAGETOnlyProxyAnswers(t *testing.T) {
	serve := func(w http.ResponseWriter, r *http.Request) {
		if len(r.RequestURI) > 8<<10 {
			http.Error(w, "414 Request-URI Too Large", http.StatusRequestURITooLong)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query().Get("query")
		if strings.Contains(q, "up{") && strings.Contains(q, `"check"`) {
			_, _ = w.Write([]byte(vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"1"]},{"metric":{"check":"steps"},"value":[1,"1"]}`)))
			return
		}
		_, _ = w.Write([]byte(vector()))
	}
	refs := make([]provider.Ref, 50)
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("function-%02d", i), Namespace: "openfaas-fn"}
	}
	whole := postRefusingProxy(t, serve)
	if _, err := whole.Activity(context.Background(), 5*time.Minute); err != nil {
		t.Fatalf("Activity through the proxy: %v", err)
	}
	narrowed := postRefusingProxy(t, serve)
	if _, err := narrowed.ActivityFor(context.Background(), 5*time.Minute, refs); err != nil {
		msg := err.Error()
		t.Errorf("first ActivityFor through the proxy failed where Activity answers: …%s", msg[max(0, len(msg)-120):])
	}
	loads := postRefusingProxy(t, serve)
	if _, _, err := loads.LoadParts(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}, refs); err != nil {
		msg := err.Error()
		t.Errorf("first LoadParts through the proxy failed where the whole load answers: …%s", msg[max(0, len(msg)-120):])
	}
}
