package prometheus

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// slowProm answers every query after `after` (or when the client gives up)
// with one function's counter and its gateway's start time: enough for
// StartedTotals, StartedCounts and Load alike.
func slowProm(t *testing.T, after time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(after):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(vector(
			`{"metric":{"instance":"10.0.0.1:8080","counter":"start_time"},"value":[1700000000,"1699990000"]}`,
			`{"metric":{"function_name":"busy","instance":"10.0.0.1:8080"},"value":[1700000000,"12"]}`)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func slowSource(t *testing.T, url string, timeout, started time.Duration) *Source {
	t.Helper()
	cfg := DefaultConfig()
	cfg.URL, cfg.Timeout, cfg.StartedTimeout = url, timeout, started
	cfg.DuplicateCheck = 0 // one query a call
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStartedReadsHaveTheirOwnTimeout: the keep-alive feeder's reads
// (StartedTotals, StartedCounts) are bounded by StartedTimeout, not by the
// pass's Timeout. A Prometheus that answers after 300ms, past a 50ms
// Timeout and inside a 5s StartedTimeout (the scale of a 4.4 s answer
// against the 5 s and 15 s defaults), answers both reads, while a pass's
// Load of it fails; and StartedTimeout bounds them in turn. Real time (an
// httptest server; no synctest bubble here), no sleep asserted: the
// server answers every query, so a failure is a timeout's.
func TestStartedReadsHaveTheirOwnTimeout(t *testing.T) {
	const answerAfter = 300 * time.Millisecond
	url := slowProm(t, answerAfter)
	src := slowSource(t, url, 50*time.Millisecond, 5*time.Second)
	ctx := t.Context()
	busy := provider.Ref{Name: "busy", Namespace: "openfaas-fn"}

	totals, err := src.StartedTotals(ctx, time.Unix(1700000000, 0), nil)
	if err != nil {
		t.Fatalf("StartedTotals of a Prometheus answering in %s, started timeout 5s: %v", answerAfter, err)
	}
	if len(totals) != 1 || totals[0].Ref != busy || totals[0].N != 12 {
		t.Fatalf("StartedTotals = %+v, want busy's 12", totals)
	}
	counts, err := src.StartedCounts(ctx, time.Minute, nil)
	if err != nil {
		t.Fatalf("StartedCounts of a Prometheus answering in %s, started timeout 5s: %v", answerAfter, err)
	}
	if len(counts) != 1 || counts[0].Ref != busy || counts[0].N != 12 {
		t.Fatalf("StartedCounts = %+v, want busy's 12", counts)
	}
	if _, err := src.Load(ctx, metricsource.LoadQuery{Type: "rps", Window: time.Minute}); !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("Load of a Prometheus answering in %s, timeout 50ms: err = %v, want it unavailable (timed out)", answerAfter, err)
	}

	// The other way round: StartedTimeout, not Timeout, ends them.
	bounded := slowSource(t, url, 5*time.Second, 50*time.Millisecond)
	if _, err := bounded.StartedTotals(ctx, time.Unix(1700000000, 0), nil); !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("StartedTotals, started timeout 50ms: err = %v, want it unavailable (timed out)", err)
	}
	if _, err := bounded.StartedCounts(ctx, time.Minute, nil); !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("StartedCounts, started timeout 50ms: err = %v, want it unavailable (timed out)", err)
	}
}
