package prometheus

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fakeProm answers /api/v1/query with handler's result for each query text.
func fakeProm(t testing.TB, handler func(query string) (status int, body string)) (*Source, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		status, body := handler(r.Form.Get("query"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		// Not w.Write([]byte(body)): a copy of a 100,000-series answer per
		// request would count in BenchmarkVector100k's figures, as if the
		// client made it.
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	cfg.Timeout = 500 * time.Millisecond
	cfg.DuplicateCheck = 0 // its query is not the one under test
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, &calls
}

func vector(samples ...string) string {
	return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(samples, ",") + `]}}`
}

func TestLoadParsesVector(t *testing.T) {
	src, calls := fakeProm(t, func(string) (int, string) {
		return 200, vector(
			`{"metric":{"function_name":"figlet"},"value":[1700000000,"2.5"]}`,
			`{"metric":{"function_name":"env.team"},"value":[1700000000,"0"]}`,
			`{"metric":{"function_name":"figlet.openfaas-fn"},"value":[1700000000,"1"]}`, // same function, qualified
			`{"metric":{"function_name":"nan.openfaas-fn"},"value":[1700000000,"NaN"]}`,
			`{"metric":{"function_name":"inf.openfaas-fn"},"value":[1700000000,"+Inf"]}`,
			`{"metric":{"job":"gateway"},"value":[1700000000,"9"]}`,                // no function_name
			`{"metric":{"function_name":".openfaas-fn"},"value":[1700000000,"9"]}`, // no name
		)
	})
	got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: "rps", Window: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := metricsource.Values{
		{Name: "figlet", Namespace: "openfaas-fn"}: 3.5,
		{Name: "env", Namespace: "team"}:           0,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("values (-want +got):\n%s", d)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("Load made %d requests, want 1", n)
	}
}

func TestActivityFromFake(t *testing.T) {
	cases := []struct {
		name         string
		inflight     string
		coverage     string
		wantCovered  bool
		wantWhy      string
		wantInflight metricsource.Values
		counters     string // countersQuery's answer; "" = none
	}{
		{"covered with in-flight", vector(`{"metric":{"function_name":"a"},"value":[1,"2"]}`), vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"1.5"]},{"metric":{"check":"steps"},"value":[1,"1"]}`),
			true, "", metricsource.Values{{Name: "a", Namespace: "openfaas-fn"}: 2}, ""},
		// The gauge wins for a; b has none: 7 started, 4 + 1 ended
		// under two forms of its name, 2 in flight; c's total is above
		// its started count (read a call's end, not its start): 0.
		{"no gauge for some: in flight from the counters", vector(`{"metric":{"function_name":"a"},"value":[1,"2"]}`), vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"1.5"]},{"metric":{"check":"steps"},"value":[1,"1"]}`),
			true, "", metricsource.Values{{Name: "a", Namespace: "openfaas-fn"}: 2, {Name: "b", Namespace: "openfaas-fn"}: 2, {Name: "c", Namespace: "openfaas-fn"}: 0},
			vector(`{"metric":{"function_name":"a","counter":"started"},"value":[1,"9"]},{"metric":{"function_name":"a","counter":"ended"},"value":[1,"3"]},` +
				`{"metric":{"function_name":"b","counter":"started"},"value":[1,"7"]},{"metric":{"function_name":"b","counter":"ended"},"value":[1,"4"]},` +
				`{"metric":{"function_name":"b.openfaas-fn","counter":"ended"},"value":[1,"1"]},` +
				`{"metric":{"function_name":"c","counter":"started"},"value":[1,"2"]},{"metric":{"function_name":"c","counter":"ended"},"value":[1,"3"]}`)},
		{"no in-flight series means not exported", vector(), vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"1.5"]},{"metric":{"check":"steps"},"value":[1,"1"]}`), true, "", nil, ""},
		{"empty coverage result means not covered", vector(), vector(), false, "Prometheus has no scrape of the gateway", nil, ""},
		{"a gap over a third of the window", vector(), vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"21"]},{"metric":{"check":"steps"},"value":[1,"1"]}`),
			false, "a 21s gap without a scrape of the gateway within the last 1m0s (longest allowed 20s)", nil, ""},
		{"a failed scrape", vector(), vector(`{"metric":{"check":"up"},"value":[1,"0"]},{"metric":{"check":"age"},"value":[1,"1"]},{"metric":{"check":"steps"},"value":[1,"1"]}`),
			false, "a scrape of the gateway failed", nil, ""},
		{"a failed scrape and a gap: both named", vector(), vector(`{"metric":{"check":"up"},"value":[1,"0"]},{"metric":{"check":"age"},"value":[1,"21"]},{"metric":{"check":"steps"},"value":[1,"1"]}`),
			false, "a scrape of the gateway failed within the last 1m0s; a 21s gap without a scrape of the gateway within the last 1m0s (longest allowed 20s)", nil, ""},
		{"observed for part of the window", vector(), vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"1"]},{"metric":{"check":"steps"},"value":[1,"0.5"]}`),
			false, "only part of the last 1m0s", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, calls := fakeProm(t, func(q string) (int, string) {
				switch {
				case strings.Contains(q, `"counter"`):
					if c.counters == "" {
						return 200, vector()
					}
					return 200, c.counters
				case strings.Contains(q, "gateway_service_count"):
					// Last at zero at 100 s: woken by 130 s (a range of 30 s, max_scrape_gap, while the scrape interval is unknown).
					return 200, vector(`{"metric":{"function_name":"w"},"value":[200,"100"]}`)
				case strings.Contains(q, "last_over_time(gateway_function_invocation_started"):
					return 200, vector(`{"metric":{"function_name":"gone"},"value":[1,"1"]}`)
				case strings.Contains(q, "increase(gateway_function_invocation_started"):
					return 200, vector(`{"metric":{"function_name":"a"},"value":[1,"4"]}`)
				case strings.Contains(q, "gateway_function_invocation_inflight"):
					return 200, c.inflight
				case strings.Contains(q, "unless on (instance)"):
					return 200, vector() // every gateway instance answering
				case strings.Contains(q, "up{"):
					return 200, c.coverage
				case strings.Contains(q, "queue_worker_pending_messages"):
					return 200, vector(`{"metric":{"function_name":"q"},"value":[1,"12"]}`)
				}
				t.Errorf("unexpected query %s", q)
				return 400, `{"status":"error","errorType":"bad_data","error":"unexpected"}`
			})
			act, err := src.Activity(context.Background(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(act.Uncovered, c.wantWhy) || (c.wantWhy == "") != (act.Uncovered == "") {
				t.Errorf("Uncovered = %q, want it to contain %q", act.Uncovered, c.wantWhy)
			}
			act.Uncovered = ""
			want := metricsource.Activity{
				Window:   time.Minute,
				Covered:  c.wantCovered,
				Started:  metricsource.Values{{Name: "a", Namespace: "openfaas-fn"}: 4},
				Inflight: c.wantInflight,
				Vanished: map[provider.Ref]bool{{Name: "gone", Namespace: "openfaas-fn"}: true},
				Queued:   metricsource.Values{{Name: "q", Namespace: "openfaas-fn"}: 12},
				Woken:    map[provider.Ref]time.Time{{Name: "w", Namespace: "openfaas-fn"}: time.Unix(130, 0)},
			}
			if d := cmp.Diff(want, act); d != "" {
				t.Fatalf("activity (-want +got):\n%s", d)
			}
			// started, in flight, coverage, vanished series, queued work,
			// wakes, the counters (in flight without the gauge), the
			// gateway instances down; and the first read of the scrape
			// interval (the wakes' range), in the background, once a
			// minute after.
			src.phase.done.Wait()
			if n := calls.Load(); n != 9 {
				t.Fatalf("Activity made %d requests, want 9", n)
			}
		})
	}
}

func TestErrorsClassified(t *testing.T) {
	cases := []struct {
		name            string
		status          int
		body            string
		wantUnavailable bool
	}{
		{"bad PromQL", 400, `{"status":"error","errorType":"bad_data","error":"parse error"}`, false},
		{"execution error", 422, `{"status":"error","errorType":"execution","error":"too many samples"}`, false},
		{"query timeout", 503, `{"status":"error","errorType":"timeout","error":"query timed out"}`, true},
		{"server error", 500, `oops`, true},
		{"proxy says not found", 404, `no such path`, true},
		{"garbage body", 200, `{"status":"succ`, true},
		{"matrix not vector", 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, _ := fakeProm(t, func(string) (int, string) { return c.status, c.body })
			_, err := src.Load(context.Background(), metricsource.LoadQuery{Type: "rps", Window: time.Minute})
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, metricsource.ErrUnavailable); got != c.wantUnavailable {
				t.Fatalf("errors.Is(ErrUnavailable) = %v, want %v (err: %v)", got, c.wantUnavailable, err)
			}
			_, err = src.Activity(context.Background(), time.Minute)
			if err == nil || errors.Is(err, metricsource.ErrUnavailable) != c.wantUnavailable {
				t.Fatalf("Activity err = %v, want unavailable=%v", err, c.wantUnavailable)
			}
		})
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	block := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(block); hang.Close() })
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for name, url := range map[string]string{"hanging": hang.URL, "connection refused": closed.URL} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.URL = url
			cfg.Timeout = 200 * time.Millisecond
			src, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = src.Load(context.Background(), metricsource.LoadQuery{Type: "rps", Window: time.Minute})
			if !errors.Is(err, metricsource.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			// Not a timing assertion of speed: proves the timeout applies at all.
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("Load took %s with a 200ms timeout", el)
			}
		})
	}
}

func TestBadWindowMakesNoRequest(t *testing.T) {
	src, calls := fakeProm(t, func(string) (int, string) { return 200, vector() })
	if _, err := src.Load(context.Background(), metricsource.LoadQuery{Type: "rps", Window: 0}); err == nil {
		t.Fatal("Load accepted a zero window")
	}
	if _, err := src.Activity(context.Background(), 10*time.Millisecond); err == nil {
		t.Fatal("Activity accepted a 10ms window")
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d requests made for invalid queries", n)
	}
}

// TestActivityNamesADownGatewayInstance: a covered window with one gateway
// instance not answering now is not covered, and the reason names it as a
// lower bound; the down query looks over the coverage range (the window
// and a gap bound).
func TestActivityNamesADownGatewayInstance(t *testing.T) {
	var downQ string
	src, _ := fakeProm(t, func(q string) (int, string) {
		switch {
		case strings.Contains(q, "unless on (instance)"):
			downQ = q
			return 200, vector(`{"metric":{"instance":"10.0.0.9:8082"},"value":[1,"1"]}`, `{"metric":{"instance":"10.0.0.8:8082"},"value":[1,"1"]}`)
		case strings.Contains(q, "up{"):
			return 200, vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"1"]},{"metric":{"check":"steps"},"value":[1,"1"]}`)
		}
		return 200, vector()
	})
	act, err := src.Activity(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := "gateway instances 10.0.0.8:8082, 10.0.0.9:8082 not scraped: the activity read is a lower bound"
	if act.Covered || act.Uncovered != want {
		t.Errorf("Activity: covered %v, %q; want not covered, %q", act.Covered, act.Uncovered, want)
	}
	if wantQ := `group by (instance) (last_over_time(up{job=~"gateway|openfaas-pods|openfaas-gateway",kubernetes_pod_name=~"(gateway-.+)?"}[1m20s])) unless on (instance) (up{job=~"gateway|openfaas-pods|openfaas-gateway",kubernetes_pod_name=~"(gateway-.+)?"} == 1)`; downQ != wantQ {
		t.Errorf("down query\n%s\nwant\n%s", downQ, wantQ)
	}
}
