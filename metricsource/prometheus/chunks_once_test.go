package prometheus

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestActivityInChunksReadsTheGatewayNotEachChunk: a window read in chunks
// reads each chunk's functions, but what is not per function by the call:
// the queues (read whole) once, the gateway's coverage checks and the
// gateway instances down twice, with the first chunk and after the last
// (TestActivityInChunksCoverageSpansTheRead). Each chunk read all three
// again: at 10,000 functions in chunks of 1,000, ten coverage, down and
// queue queries a window, the coverage one stepping over the whole
// window, and only the first chunk's queues were used. The merged answer
// is as before: every function's started count, the queues, covered.
func TestActivityInChunksReadsTheGatewayNotEachChunk(t *testing.T) {
	var mu sync.Mutex
	asked := map[string]int{} // requests by kind of query
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
			return
		}
		q := r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		_, rest, narrowed := strings.Cut(q, `function_name=~"`)
		kind, body := "other", vector()
		switch {
		case strings.Contains(q, `"check"`):
			kind = "coverage"
			body = vector(`{"metric":{"check":"up"},"value":[1,"1"]}`, `{"metric":{"check":"age"},"value":[1,"1"]}`,
				`{"metric":{"check":"steps"},"value":[1,"1"]}`)
		case strings.Contains(q, "unless on (instance)"):
			kind = "down"
		case strings.Contains(q, metricQueue) && !narrowed:
			kind = "queue"
			body = vector(`{"metric":{"function_name":"fn-0000.team"},"value":[1,"3"]}`)
		case narrowed && strings.Contains(q, "increase("):
			kind = "started"
			names, _, _ := strings.Cut(rest, `"`)
			var series []string
			for n := range strings.SplitSeq(names, "|") {
				series = append(series, fmt.Sprintf(`{"metric":{"function_name":%q},"value":[1,"1"]}`, strings.ReplaceAll(n, `\\.`, ".")))
			}
			body = vector(series...)
		case narrowed:
			kind = "per function"
		}
		mu.Lock()
		asked[kind]++
		mu.Unlock()
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL, cfg.DuplicateCheck = srv.URL, 0
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.chunk = 400
	refs := make([]provider.Ref, 1001) // three chunks
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("fn-%04d", i), Namespace: "team"}
	}
	const window = time.Hour
	src.chunked.add(window)
	act, err := src.ActivityFor(context.Background(), window, refs)
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[string]int{"coverage": 2, "down": 2, "queue": 1} {
		if n := asked[kind]; n != want {
			t.Errorf("%s queries for a window read in 3 chunks: %d, want %d", kind, n, want)
		}
	}
	if n := asked["started"]; n != 3 {
		t.Errorf("started queries: %d, want one a chunk, 3", n)
	}
	if !act.Covered {
		t.Errorf("not covered (%s)", act.Uncovered)
	}
	for _, r := range refs {
		if n, ok := act.Started[r]; !ok || n != 1 {
			t.Fatalf("%s started %v (present %v), want 1", r, n, ok)
		}
	}
	if q, ok := act.Queued[refs[0]]; !ok || q != 3 || len(act.Queued) != 1 {
		t.Errorf("queued %v, want %s: 3 alone", act.Queued, refs[0])
	}
}
