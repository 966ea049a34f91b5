package prometheus

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestStartedTotalsRead: the feeder's cheap read is one query of the
// counters at the time asked (not the server's now: steps must join
// exactly), one Total per series, keyed by function name and gateway
// instance, so that two reads of the same series match and two gateways,
// or a bare and a qualified name, stay apart.
func TestStartedTotalsRead(t *testing.T) {
	var mu sync.Mutex
	var forms []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		mu.Lock()
		forms = append(forms, map[string]string{"query": r.Form.Get("query"), "time": r.Form.Get("time")})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(vector(
			`{"metric":{"instance":"10.0.0.1:8080","counter":"start_time"},"value":[1700000000,"1699990000.5"]}`,
			`{"metric":{"function_name":"busy","instance":"10.0.0.1:8080"},"value":[1700000000,"12"]}`,
			`{"metric":{"function_name":"busy","instance":"10.0.0.2:8080"},"value":[1700000000,"5"]}`,
			`{"metric":{"function_name":"busy.openfaas-fn","instance":"10.0.0.1:8080"},"value":[1700000000,"3"]}`,
			`{"metric":{"function_name":"quiet.team","instance":"10.0.0.1:8080"},"value":[1700000000,"0"]}`,
			`{"metric":{"function_name":"nan","instance":"10.0.0.1:8080"},"value":[1700000000,"NaN"]}`,
			`{"metric":{"instance":"10.0.0.1:8080"},"value":[1700000000,"7"]}`)))
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	cfg.DuplicateCheck = 0
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 5, 4, 0, 15, 500_000_000, time.UTC)
	got, err := src.StartedTotals(context.Background(), at, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != 1 || forms[0]["query"] != totalsAndStartsQuery(DefaultNamespace) || forms[0]["time"] != "2026-12-05T04:00:15.5Z" {
		t.Fatalf("requests %v, want one query of the totals and the gateways' start times at 2026-12-05T04:00:15.5Z", forms)
	}
	busy := provider.Ref{Name: "busy", Namespace: "openfaas-fn"}
	quiet := provider.Ref{Name: "quiet", Namespace: "team"}
	wantRefs := []provider.Ref{busy, busy, busy, quiet} // nan and the nameless series left out
	if len(got) != len(wantRefs) {
		t.Fatalf("totals %v, want %d", got, len(wantRefs))
	}
	keys := map[uint64]bool{}
	for i, tot := range got {
		if tot.Ref != wantRefs[i] {
			t.Errorf("total %d is %s, want %s", i, tot.Ref, wantRefs[i])
		}
		keys[tot.Series] = true
	}
	if len(keys) != 4 {
		t.Errorf("%d distinct series keys among 4 series (two gateways, bare and qualified): %v", len(keys), got)
	}
	again, err := src.StartedTotals(context.Background(), at.Add(15*time.Second), nil)
	if err != nil || len(again) != len(got) {
		t.Fatalf("second read: %v, %v", again, err)
	}
	for i := range got {
		if again[i].Series != got[i].Series {
			t.Errorf("series %d keyed %x, then %x: two reads of one series must match", i, got[i].Series, again[i].Series)
		}
	}
}

// TestStartedTotalsErrors: a failed read is an error with no totals (the
// feeder then keeps its last read to count from), unavailable when
// Prometheus could not answer; a partial answer is refused whole, since a
// series it lacks would be read as missing.
func TestStartedTotalsErrors(t *testing.T) {
	src, _ := fakeProm(t, func(string) (int, string) { return 503, `{"status":"error","errorType":"unavailable","error":"down"}` })
	got, err := src.StartedTotals(context.Background(), time.Now(), nil)
	if err == nil || !errors.Is(err, metricsource.ErrUnavailable) || len(got) != 0 {
		t.Errorf("StartedTotals against a 503 = %v, %v; want no totals and an ErrUnavailable", got, err)
	}
	partial, _ := fakeProm(t, func(string) (int, string) {
		return 200, `{"status":"success","isPartial":true,"data":{"resultType":"vector","result":[{"metric":{"function_name":"a"},"value":[1,"2"]}]}}`
	})
	if got, err := partial.StartedTotals(context.Background(), time.Now(), nil); err == nil || len(got) != 0 {
		t.Errorf("StartedTotals of a partial answer = %v, %v; want an error and no totals", got, err)
	}
}

// BenchmarkStartedTotals100k: the feeder's read of 100,000 functions'
// counters, decoded (a fake answer of one series a function), as
// the feeder makes it every step (no array kept between steps: a large
// fleet's is dropped, keepalive.keptCounts).
func BenchmarkStartedTotals100k(b *testing.B) {
	body := strings.Replace(bigVector(100_000), `"result":[`,
		`"result":[{"metric":{"instance":"gateway:8082","counter":"start_time"},"value":[1700000000,"1699990000"]},`, 1)
	src, _ := fakeProm(b, func(q string) (int, string) {
		return 200, body
	})
	b.ReportAllocs()
	at := time.Unix(1_700_000_000, 0)
	for b.Loop() {
		if got, err := src.StartedTotals(context.Background(), at, nil); err != nil || len(got) != 100_000 {
			b.Fatal(len(got), err)
		}
	}
}

// TestGatewayRestartedInPlaceCountsItsSeriesWhole: a gateway restarted in
// place keeps its address (a container restart, faasd's gateway:8082) and
// counts from 0 again, making a function's counter at its first call. A
// function at 1 before the restart and 1 after it (one call right after)
// read as no call; a series is now named with its gateway's process start
// time, so after a restart it is a new series and counts whole, and two
// reads of one process still match. Found by a review helper (the
// feeder's side of the activity query's restart check).
func TestGatewayRestartedInPlaceCountsItsSeriesWhole(t *testing.T) {
	var mu sync.Mutex
	started := "1700000000"
	src, _ := fakeProm(t, func(q string) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		return 200, vector(`{"metric":{"instance":"gateway:8082","counter":"start_time"},"value":[1700000100,"`+started+`"]}`,
			`{"metric":{"function_name":"again","instance":"gateway:8082"},"value":[1700000100,"1"]}`)
	})
	at := time.Unix(1_700_000_100, 0)
	var d metricsource.TotalsDiff
	read := func(at time.Time) []metricsource.Count {
		t.Helper()
		tot, err := src.StartedTotals(context.Background(), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(tot, at, nil)
	}
	read(at) // the base
	if got := read(at.Add(15 * time.Second)); len(got) != 0 {
		t.Fatalf("the same process, the counter unchanged: %v, want no call", got)
	}
	mu.Lock()
	started = "1700000120" // restarted in place; the counter is back at 1
	mu.Unlock()
	got := read(at.Add(30 * time.Second))
	if len(got) != 1 || got[0].N != 1 || got[0].Ref != (provider.Ref{Name: "again", Namespace: "openfaas-fn"}) {
		t.Errorf("after the gateway restarted in place with the counter back at 1: %v, want one call of again", got)
	}
}
