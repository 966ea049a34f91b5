package prometheus

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func TestChunksOfKeepsEachChunkNarrowable(t *testing.T) {
	refs := make([]provider.Ref, 2500)
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("fn-%04d", i), Namespace: "openfaas-fn"}
	}
	check := func(what string, chunks [][]provider.Ref, size int) {
		t.Helper()
		var all []provider.Ref
		for _, c := range chunks {
			if len(c) == 0 || len(c) > size {
				t.Errorf("%s: a chunk of %d, want 1 to %d", what, len(c), size)
			}
			if narrowTo(c, "openfaas-fn").all() {
				t.Errorf("%s: a chunk of %d that narrowTo reads whole", what, len(c))
			}
			all = append(all, c...)
		}
		if len(all) != len(refs) {
			t.Fatalf("%s: %d functions in the chunks, want %d", what, len(all), len(refs))
		}
		for i := range all {
			if all[i] != refs[i] {
				t.Fatalf("%s: function %d is %s, want %s (in order)", what, i, all[i], refs[i])
			}
		}
	}
	c := chunksOf(refs, "openfaas-fn", maxNarrowed)
	check("by count", c, maxNarrowed)
	if len(c) != 3 {
		t.Errorf("2,500 short names: %d chunks, want 3", len(c))
	}
	// Long names: the bytes' bound cuts first.
	for i := range refs {
		refs[i].Name = fmt.Sprintf("%0100d", i)
	}
	check("by bytes", chunksOf(refs, "openfaas-fn", maxNarrowed), maxNarrowed)
}

// TestActivityForReadsAWindowInChunksOnceItsWholeReadTimesOut: more
// functions than a query names are read whole, as Activity reads them;
// when that read times out on the source's own deadline the window is
// read in chunks from then on, and the next call answers for every
// function. A caller's shorter deadline says nothing of the read's cost:
// that window stays whole.
func TestActivityForReadsAWindowInChunksOnceItsWholeReadTimesOut(t *testing.T) {
	src := slowWholeFake(t)
	src.chunk = 400
	refs := make([]provider.Ref, maxNarrowed+1)
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("fn-%04d", i), Namespace: "team"}
	}
	const window = time.Hour
	if _, err := src.ActivityFor(context.Background(), window, refs); err == nil {
		t.Fatal("the whole read answered: the fake is wrong")
	}
	if !src.chunked.has(window) {
		t.Fatal("the whole read timed out and the window is not read in chunks")
	}
	act, err := src.ActivityFor(context.Background(), window, refs)
	if err != nil {
		t.Fatalf("in chunks: %v", err)
	}
	if !act.Covered {
		t.Errorf("in chunks: not covered (%s)", act.Uncovered)
	}
	for _, r := range refs {
		if n, ok := act.Started[r]; !ok || n != 1 {
			t.Fatalf("in chunks: %s started %v (present %v), want 1", r, n, ok)
		}
	}
	// The caller's deadline, shorter than the source's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := src.ActivityFor(ctx, 2*time.Hour, refs); err == nil {
		t.Fatal("answered within the caller's 100 ms: the fake is wrong")
	}
	if src.chunked.has(2 * time.Hour) {
		t.Error("the caller's deadline marked the window as read in chunks")
	}
}

// slowWholeFake is a Prometheus that answers a per-function query over
// every function never (it waits until the client gives up: the source's
// 500 ms timeout, or the caller's deadline), a narrowed started query at
// once with 1 for each function named, and the coverage checks as covered.
func slowWholeFake(t *testing.T) *Source {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		q := r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(q, `"check"`):
			_, _ = io.WriteString(w, vector(`{"metric":{"check":"up"},"value":[1,"1"]}`, `{"metric":{"check":"age"},"value":[1,"1"]}`,
				`{"metric":{"check":"steps"},"value":[1,"1"]}`))
		case !strings.Contains(q, metricStarted) && !strings.Contains(q, metricReplicas) && !strings.Contains(q, metricInflight):
			_, _ = io.WriteString(w, vector()) // not per function
		case !strings.Contains(q, "function_name=~"):
			<-r.Context().Done()
		case strings.Contains(q, "increase("):
			_, rest, _ := strings.Cut(q, `function_name=~"`)
			names, _, _ := strings.Cut(rest, `"`)
			var series []string
			for n := range strings.SplitSeq(names, "|") {
				series = append(series, fmt.Sprintf(`{"metric":{"function_name":%q},"value":[1,"1"]}`, strings.ReplaceAll(n, `\\.`, ".")))
			}
			_, _ = io.WriteString(w, vector(series...))
		default:
			_, _ = io.WriteString(w, vector())
		}
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	cfg.Timeout = 500 * time.Millisecond
	cfg.DuplicateCheck = 0
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
