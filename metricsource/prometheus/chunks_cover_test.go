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

// TestActivityInChunksCoverageSpansTheRead: a window read in chunks reads
// the gateway's coverage and the instances down with its first chunk and
// again once the last has finished, that time over the window widened by
// what the read took (12.3 s on the source's clock here, 13 s in whole
// seconds), so the later read spans every chunk's window, each evaluated
// at Prometheus' now when its chunk ran. Either read finding the window
// not whole leaves it uncovered, and the instances down are both reads'.
// Here the first read finds a failed scrape and gw-a down, the later one
// the scrape whole and gw-b down: the answer names the failed scrape and
// both instances.
func TestActivityInChunksCoverageSpansTheRead(t *testing.T) {
	var (
		mu   sync.Mutex
		now  = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
		seen = map[string]int{} // coverage and down reads by range
	)
	const (
		first = "[1h30s]" // the window and its gap bound (30 s: the default max scrape gap)
		later = "[1h43s]" // and the 13 s the read took
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
			return
		}
		q := r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		_, rest, narrowed := strings.Cut(q, `function_name=~"`)
		rng := ""
		for _, r := range []string{first, later} {
			if strings.Contains(q, r) || strings.Contains(q, strings.TrimSuffix(r, "]")+":") {
				rng = r
			}
		}
		body := vector()
		switch {
		case strings.Contains(q, `"check"`):
			up := "1"
			if rng == first {
				up = "0"
			}
			body = vector(`{"metric":{"check":"up"},"value":[1,"`+up+`"]}`, `{"metric":{"check":"age"},"value":[1,"1"]}`,
				`{"metric":{"check":"steps"},"value":[1,"1"]}`)
			mu.Lock()
			seen["coverage "+rng]++
			mu.Unlock()
		case strings.Contains(q, "unless on (instance)"):
			inst := map[string]string{first: "gw-a", later: "gw-b"}[rng]
			if inst != "" {
				body = vector(`{"metric":{"instance":"` + inst + `"},"value":[1,"1"]}`)
			}
			mu.Lock()
			seen["down "+rng]++
			mu.Unlock()
		case narrowed && strings.Contains(q, "increase("):
			names, _, _ := strings.Cut(rest, `"`)
			var series []string
			for n := range strings.SplitSeq(names, "|") {
				series = append(series, fmt.Sprintf(`{"metric":{"function_name":%q},"value":[1,"0"]}`, strings.ReplaceAll(n, `\\.`, ".")))
			}
			body = vector(series...)
			mu.Lock()
			now = now.Add(4100 * time.Millisecond) // each chunk's counts take 4.1 s
			mu.Unlock()
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL, cfg.DuplicateCheck = srv.URL, 0
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
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
	for _, k := range []string{"coverage " + first, "down " + first, "coverage " + later, "down " + later} {
		if n := seen[k]; n != 1 {
			t.Errorf("%s read %d times, want once (all: %v)", k, n, seen)
		}
	}
	if act.Covered {
		t.Fatalf("covered, want not: the first coverage read found a failed scrape")
	}
	for _, want := range []string{"scrape of the gateway failed", "gw-a", "gw-b"} {
		if !strings.Contains(act.Uncovered, want) {
			t.Errorf("uncovered %q, want it to name %q", act.Uncovered, want)
		}
	}
	for _, r := range refs {
		if n, ok := act.Started[r]; !ok || n != 0 {
			t.Fatalf("%s started %v (present %v), want 0", r, n, ok)
		}
	}
}
