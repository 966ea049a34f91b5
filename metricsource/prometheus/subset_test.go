package prometheus

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func TestNarrowToNamesEachFunctionWholeAndLiterally(t *testing.T) {
	refs := []provider.Ref{
		{Name: "fn", Namespace: "openfaas-fn"},  // default: bare too
		{Name: "fn", Namespace: "team"},         // another namespace: qualified only
		{Name: "a.b", Namespace: "openfaas-fn"}, // a dot: a bare a.b is a in namespace b
		{Name: "fn", Namespace: "openfaas-fn"},  // twice: named once
		{Name: "x+y", Namespace: "openfaas-fn"}, // a regexp operator, quoted
	}
	f := narrowTo(refs, "openfaas-fn")
	want := `a\.b\.openfaas-fn|fn|fn\.openfaas-fn|fn\.team|x\+y|x\+y\.openfaas-fn`
	if f.re != want || f.n != len(refs) {
		t.Errorf("narrowTo: %q for %d, want %q for %d", f.re, f.n, want, len(refs))
	}
	if got, want := narrowExpr(metricStarted, f), metricStarted+`{function_name=~"`+strings.ReplaceAll(want, `\`, `\\`)+`"}`; got != want {
		t.Errorf("selector %s, want %s", got, want)
	}
	if got := narrowExpr(metricStarted, f.shown()); got != metricStarted+`{function_name=~"<5 functions' names>"}` {
		t.Errorf("shown selector %s", got)
	}
}

func TestNarrowToLeavesManyFunctionsWhole(t *testing.T) {
	many := func(n, nameLen int) []provider.Ref {
		refs := make([]provider.Ref, n)
		for i := range refs {
			refs[i] = provider.Ref{Name: fmt.Sprintf("%0*d", nameLen, i), Namespace: "team"}
		}
		return refs
	}
	for _, c := range []struct {
		what   string
		refs   []provider.Ref
		narrow bool
	}{
		{"none", nil, false},
		{"as many as the bound", many(maxNarrowed, 4), true},
		{"one more than the bound", many(maxNarrowed+1, 4), false},
		{"long names past the bytes' bound", many(800, 80), false},
		{"long names within it", many(700, 80), true},
	} {
		if got := !narrowTo(c.refs, "openfaas-fn").all(); got != c.narrow {
			t.Errorf("%s (%d functions): narrowed %v, want %v", c.what, len(c.refs), got, c.narrow)
		}
	}
}

// TestActivityForErrorsNameNoFunctions: a narrowed query that fails is
// named in the error by the count of its functions, not by their names (an
// error the idler makes every asked function's reason, and logs), and its
// answer's size is not remembered under its text (a key per set of names,
// for good).
func TestActivityForErrorsNameNoFunctions(t *testing.T) {
	src, _ := fakeProm(t, func(q string) (int, string) {
		if strings.Contains(q, metricStarted+"{") {
			return 400, `{"status":"error","errorType":"bad_data","error":"refused"}`
		}
		return 200, vector()
	})
	refs := []provider.Ref{{Name: "secret-name", Namespace: "team"}}
	_, err := src.ActivityFor(context.Background(), 5*time.Minute, refs)
	if err == nil {
		t.Fatal("ActivityFor succeeded; want the started query's error")
	}
	if msg := err.Error(); strings.Contains(msg, "secret-name") || !strings.Contains(msg, "<1 functions' names>") {
		t.Errorf("error %q: want the count of functions named, not their names", msg)
	}
	src.hints.mu.Lock()
	defer src.hints.mu.Unlock()
	for k := range src.hints.n {
		if strings.Contains(k, "secret-name") {
			t.Errorf("a size hint kept under a narrowed query's text: %.80s…", k)
		}
	}
}

// TestActivityForAfterPOSTRefusedAsksWhole: behind a proxy that refuses
// POST the queries go as GET, and a narrowed one's names would be in the
// URL: from then on ActivityFor asks as Activity does.
func TestActivityForAfterPOSTRefusedAsksWhole(t *testing.T) {
	var narrowedGets atomic.Int32
	src := postRefusingProxy(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Query().Get("query"), "function_name=~") {
			narrowedGets.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(vector()))
	})
	refs := []provider.Ref{{Name: "fn", Namespace: "team"}}
	for range 2 {
		_, _ = src.ActivityFor(context.Background(), 5*time.Minute, refs)
	}
	// The first call's narrowed queries find POST refused and are asked
	// again whole, never as GET; later calls ask whole from the start.
	if !src.postRefused.Load() {
		t.Fatal("POST refused was not noted")
	}
	_, _ = src.ActivityFor(context.Background(), 5*time.Minute, refs)
	if n := narrowedGets.Load(); n != 0 {
		t.Errorf("%d narrowed queries sent as GET, want 0", n)
	}
}

func TestNarrowExprNarrowsEachPerFunctionSelector(t *testing.T) {
	f := fnFilter{re: `a\.ns`, n: 1}
	m := `{function_name=~"a\\.ns"}`
	for _, c := range []struct{ in, want string }{
		{`rate(gateway_function_invocation_total[30s])`, `rate(gateway_function_invocation_total` + m + `[30s])`},
		// Matchers already there: the function's first.
		{`avg_over_time(job:function_current_load:sum{scaling_type="latency"}[1m])`,
			`avg_over_time(job:function_current_load:sum{function_name=~"a\\.ns",scaling_type="latency"}[1m])`},
		{`gateway_function_invocation_started {}`, `gateway_function_invocation_started {function_name=~"a\\.ns"}`},
		// Not per function: the target's series, label names, functions.
		{`max by (function_name, instance) (up offset 45s == 1)`, `max by (function_name, instance) (up offset 45s == 1)`},
		{`time() - process_start_time_seconds < 45`, `time() - process_start_time_seconds < 45`},
		// A name in a string is not a selector; a longer name is another metric.
		{`label_replace(x, "m", "gateway_function_invocation_total", "", "")`, `label_replace(x, "m", "gateway_function_invocation_total", "", "")`},
		{`gateway_function_invocation_total_created + gateway_function_invocation_started offset 1m`,
			`gateway_function_invocation_total_created + gateway_function_invocation_started` + m + ` offset 1m`},
		{`x{l="a \" gateway_function_invocation_total"} or gateway_service_count`,
			`x{l="a \" gateway_function_invocation_total"} or gateway_service_count` + m},
	} {
		if got := narrowExpr(c.in, f); got != c.want {
			t.Errorf("narrowExpr(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	if got := narrowExpr(`rate(gateway_function_invocation_total[30s])`, allFunctions); got != `rate(gateway_function_invocation_total[30s])` {
		t.Errorf("every function: %s", got)
	}
}
