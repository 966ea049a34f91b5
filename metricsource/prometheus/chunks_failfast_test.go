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

// TestActivityInChunksStopsAtTheFirstFailedChunk: a window read in chunks
// fails whole when one chunk fails, so the chunks not started yet are not
// sent: each costs Prometheus a chunk's read (1.4 s of its cores for 1,000
// functions over 4 h at 10,000) for an answer nobody uses. Before, every
// chunk was read to the end (ten for 10,000 functions), under a caller's
// deadline as long as it let them.
//
// Seen failing before the fix: chunks of fn-0400, fn-0800, fn-1200, fn-1600
// read after the first chunk failed; want none past the two started with it
func TestActivityInChunksStopsAtTheFirstFailedChunk(t *testing.T) {
	var mu sync.Mutex
	read := map[string]bool{} // the first function of each chunk asked about
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			// A chunk's request cancelled while its body was read (the
			// fail-fast this test wants): "use of closed network
			// connection" (CI, session 50). Nothing to answer.
			return
		}
		q := r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		_, rest, narrowed := strings.Cut(q, `function_name=~"`)
		switch {
		case strings.Contains(q, `"check"`):
			_, _ = io.WriteString(w, vector(`{"metric":{"check":"up"},"value":[1,"1"]}`, `{"metric":{"check":"age"},"value":[1,"1"]}`,
				`{"metric":{"check":"steps"},"value":[1,"1"]}`))
		case !narrowed:
			_, _ = io.WriteString(w, vector())
		default:
			first, _, _ := strings.Cut(rest, `|`)
			first, _, _ = strings.Cut(first, `\\.`)
			mu.Lock()
			read[first] = true
			mu.Unlock()
			if first == "fn-0000" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"status":"error","errorType":"bad_data","error":"refused"}`)
				return
			}
			select { // the other chunks take a while, as real ones do
			case <-time.After(200 * time.Millisecond):
			case <-r.Context().Done():
			}
			_, _ = io.WriteString(w, vector())
		}
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL, cfg.DuplicateCheck = srv.URL, 0
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src.chunk = 400
	refs := make([]provider.Ref, 2000)
	for i := range refs {
		refs[i] = provider.Ref{Name: fmt.Sprintf("fn-%04d", i), Namespace: "team"}
	}
	const window = time.Hour
	src.chunked.add(window)
	if _, err := src.ActivityFor(context.Background(), window, refs); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a chunk refused: error %v, want the refusal", err)
	}
	// A cancelled chunk's request can still reach the handler after the
	// call has returned: the map is read under its lock (-race, session 52).
	mu.Lock()
	defer mu.Unlock()
	var late []string
	for i := 2 * src.chunk; i < len(refs); i += src.chunk {
		if name := refs[i].Name; read[name] {
			late = append(late, name)
		}
	}
	if len(late) > 0 {
		t.Errorf("chunks of %s read after the first chunk failed; want none past the two started with it", strings.Join(late, ", "))
	}
}
