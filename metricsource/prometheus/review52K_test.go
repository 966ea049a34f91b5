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

// TestReview52KChunkedReadSeesAScrapeFailingWhileItRuns: a window read in
// chunks takes seconds (ten chunks of a 10,000 fleet's 4 h window, 12.7 s
// in chunks.go's own figures: more than a scrape interval), and every
// chunk's queries are evaluated at Prometheus' now when that chunk runs.
// Before d616b70 each chunk read the gateway's coverage with its own
// functions and the merge kept the window uncovered when any chunk found
// it so (the old comment: "the window is covered only when every chunk
// read it so (the checks are the gateway's, read again each time)"); the
// commit message's "only the first answer used" held for the queues, not
// for the coverage. Now the coverage is read with the first chunk alone.
//
// Here the gateway's scrape fails once the first coverage check has been
// answered and the first chunk's counts read (a fake Prometheus whose
// coverage check reads up=0 from then on): the third chunk's counts
// (fn-0800…fn-1000) are read over a window holding the failed scrape,
// whose calls since the last good scrape are not in the sums. The merged
// answer still says Covered, so the idler takes "no calls" as proven for
// those functions (DESIGN.md: "Missing is not zero"). Expected: not
// covered, the failed scrape named.
func TestReview52KChunkedReadSeesAScrapeFailingWhileItRuns(t *testing.T) {
	var (
		mu       sync.Mutex
		covOnce  sync.Once
		failed   bool // the gateway's scrape has failed (from the first counts read on)
		answered = make(chan struct{})
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
			return
		}
		q := r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		_, rest, narrowed := strings.Cut(q, `function_name=~"`)
		body := vector()
		switch {
		case strings.Contains(q, `"check"`):
			mu.Lock()
			up := "1"
			if failed {
				up = "0"
			}
			mu.Unlock()
			body = vector(`{"metric":{"check":"up"},"value":[1,"`+up+`"]}`, `{"metric":{"check":"age"},"value":[1,"1"]}`,
				`{"metric":{"check":"steps"},"value":[1,"1"]}`)
			defer covOnce.Do(func() { close(answered) })
		case strings.Contains(q, "unless on (instance)"):
		case narrowed && strings.Contains(q, "increase("):
			select { // the counts are read after the first coverage check
			case <-answered:
			case <-time.After(5 * time.Second):
			}
			names, _, _ := strings.Cut(rest, `"`)
			var series []string
			for n := range strings.SplitSeq(names, "|") {
				series = append(series, fmt.Sprintf(`{"metric":{"function_name":%q},"value":[1,"0"]}`, strings.ReplaceAll(n, `\\.`, ".")))
			}
			body = vector(series...)
			defer func() {
				mu.Lock()
				failed = true // the scrape fails now: every later read sees it
				mu.Unlock()
			}()
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
	src.chunk = 400
	refs := make([]provider.Ref, 1001) // three chunks, two at a time: the third starts after one has ended
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("fn-%04d", i), Namespace: "team"}
	}
	const window = time.Hour
	src.chunked.add(window)
	act, err := src.ActivityFor(context.Background(), window, refs)
	if err != nil {
		t.Fatal(err)
	}
	if act.Covered || !strings.Contains(act.Uncovered, "scrape of the gateway failed") {
		t.Errorf("covered %v (%q) for a window read in 3 chunks while the gateway's scrape failed before the third chunk's counts were read; want not covered, naming the failed scrape",
			act.Covered, act.Uncovered)
	}
}
