package prometheus

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The warnings below are the servers' own words: Thanos Querier with
// partial_response when a StoreAPI fails (proxy "receive series from …")
// or none matches, Prometheus when a remote-read endpoint fails, and the
// PromQL annotations Prometheus 2.x put among the warnings (3.x moves the
// info ones to "infos").
const (
	thanosStoreDown = `receive series from Addr: thanos-store:10901 LabelSets: {cluster="eu"} MinTime: 1700000000000 MaxTime: 1700000060000: rpc error: code = Unavailable desc = connection refused`
	thanosNoStore   = `No StoreAPIs matched for this query`
	remoteReadDown  = `remote_read: Post "http://longterm:9201/read": dial tcp: connection refused`
	promqlInfo      = `PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "gateway_function_invocation_started" (1:29)`
	promqlWarning   = `PromQL warning: encountered a mix of histograms and floats for metric name "gateway_functions_seconds_sum" (1:5)`
)

// withWarnings adds a warnings list (and extra top-level fields) to a
// successful answer.
func withWarnings(answer string, extra string, warnings ...string) string {
	var b strings.Builder
	for i, w := range warnings {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(w))
	}
	tail := `,"warnings":[` + b.String() + `]`
	if len(warnings) == 0 {
		tail = ""
	}
	return strings.TrimSuffix(answer, "}") + tail + extra + "}"
}

// activityFake answers Activity's eight queries (and Load's rps) for a covered minute in
// which "busy" was called 4 times and "quiet" not at all; the query whose
// text contains marked gets warnings and extra fields added, and busy left
// out of its answer (what a store that went missing does).
func activityFake(marked, extra string, warnings ...string) func(q string) (int, string) {
	covered := vector(`{"metric":{"check":"up"},"value":[1,"1"]},{"metric":{"check":"age"},"value":[1,"1"]},{"metric":{"check":"steps"},"value":[1,"1"]}`)
	return func(q string) (int, string) {
		var answer string
		switch {
		case strings.Contains(q, "(rate(gateway_function_invocation_total"):
			answer = vector(`{"metric":{"function_name":"busy"},"value":[1,"0.1"]}`) // Load's rps
		case strings.Contains(q, `"counter"`):
			answer = vector(`{"metric":{"function_name":"busy","counter":"started"},"value":[1,"9"]},{"metric":{"function_name":"busy","counter":"ended"},"value":[1,"9"]}`)
		case strings.Contains(q, "gateway_service_count"):
			answer = vector()
		case strings.Contains(q, "last_over_time(gateway_function_invocation_started"):
			answer = vector()
		case strings.Contains(q, "increase(gateway_function_invocation_started"):
			answer = vector(`{"metric":{"function_name":"busy"},"value":[1,"4"]}`, `{"metric":{"function_name":"quiet"},"value":[1,"0"]}`)
			if marked == "increase(" {
				answer = vector(`{"metric":{"function_name":"quiet"},"value":[1,"0"]}`)
			}
		case strings.Contains(q, "gateway_function_invocation_inflight"):
			answer = vector(`{"metric":{"function_name":"busy"},"value":[1,"0"]}`)
		case strings.Contains(q, "unless on (instance)"):
			answer = vector() // every gateway instance answering
		case strings.Contains(q, "up{"):
			answer = covered
		case strings.Contains(q, "queue_worker_pending_messages"):
			answer = vector()
		default:
			return 400, `{"status":"error","errorType":"bad_data","error":"unexpected query"}`
		}
		if marked != "" && strings.Contains(q, marked) {
			answer = withWarnings(answer, extra, warnings...)
		}
		return 200, answer
	}
}

// TestPartialActivityIsNotIdle: an answer that warns of missing data
// (Thanos with a store down, Prometheus with its remote read failing)
// may lack a function's series; for the started count that reads as "no
// calls" in a covered window, and the idler scales a called function to
// zero. Any of Activity's answers so marked makes the whole read
// unavailable: every function missing, none idle.
//
// Seen failing before the fix (warnings were only logged at debug), and
// again with checkComplete's partialWhy call replaced by "", in every case:
//
//	partial_test.go:120: started, Thanos store down: Activity = {Covered:true Started:map[quiet.openfaas-fn:0] …}, nil; want an error (ErrUnavailable, ErrPartial): busy read as idle from a partial answer
func TestPartialActivityIsNotIdle(t *testing.T) {
	cases := []struct {
		name, marked, extra string
		warnings            []string
	}{
		{"started, Thanos store down", "increase(", "", []string{thanosStoreDown}},
		{"started, no store matched", "increase(", "", []string{thanosNoStore}},
		{"started, remote read down, among annotations", "increase(", "", []string{promqlInfo, remoteReadDown}},
		{"started, VictoriaMetrics isPartial", "increase(", `,"isPartial":true`, nil},
		{"coverage", "up{", "", []string{thanosStoreDown}},
		{"in flight", "gateway_function_invocation_inflight", "", []string{thanosStoreDown}},
		{"counters", `"counter"`, "", []string{thanosStoreDown}},
		{"woken", "gateway_service_count", "", []string{thanosStoreDown}},
		{"vanished", "last_over_time(gateway_function_invocation_started", "", []string{thanosStoreDown}},
		{"queued", "queue_worker_pending_messages", "", []string{thanosStoreDown}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, _ := fakeProm(t, activityFake(c.marked, c.extra, c.warnings...))
			act, err := src.Activity(context.Background(), time.Minute)
			if err == nil {
				t.Fatalf("%s: Activity = {Covered:%v Started:%v …}, nil; want an error (ErrUnavailable, ErrPartial): busy read as idle from a partial answer",
					c.name, act.Covered, act.Started)
			}
			if !errors.Is(err, metricsource.ErrUnavailable) || !errors.Is(err, ErrPartial) {
				t.Fatalf("err = %v; want it to wrap ErrUnavailable and ErrPartial", err)
			}
			want := thanosStoreDown
			switch {
			case c.extra != "":
				want = "isPartial"
			case len(c.warnings) > 0:
				want = c.warnings[len(c.warnings)-1]
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v; want it to name %q", err, want)
			}
			if strings.Contains(err.Error(), "PromQL info") {
				t.Errorf("err = %v; names an annotation, which is not why the answer is partial", err)
			}
		})
	}
}

// TestPartialLoadIsMissing: through Load, which has no way to say "lower
// bound", a load answer that warns of missing data is no load at all (an
// error); LoadParts errs too, its lower bounds beside the error being
// TestPartialLoadIsLowerBound's.
func TestPartialLoadIsMissing(t *testing.T) {
	for _, typ := range []string{metricsource.TypeRPS, metricsource.TypeCapacity, "custom"} {
		t.Run(typ, func(t *testing.T) {
			src, _ := fakeProm(t, func(string) (int, string) {
				return 200, withWarnings(vector(`{"metric":{"function_name":"a"},"value":[1,"1"]}`), "", thanosStoreDown)
			})
			q := metricsource.LoadQuery{Type: typ, Window: time.Minute}
			v, err := src.Load(context.Background(), q)
			if err == nil || !errors.Is(err, metricsource.ErrUnavailable) || !errors.Is(err, ErrPartial) {
				t.Fatalf("Load = %v, %v; want ErrUnavailable and ErrPartial: through Load a partial answer is no load", v, err)
			}
			if v, parts, err := src.LoadParts(context.Background(), q, nil); err == nil {
				t.Fatalf("LoadParts = %v, %v, nil; want an error", v, parts)
			}
		})
	}
}

// TestAnnotationsChangeNothing: PromQL's own notes ("PromQL info: …",
// "PromQL warning: …", as warnings in Prometheus 2.x or as infos in 3.x)
// say nothing about missing data: the answers read as without them.
// isPartial false (VictoriaMetrics' complete answer) changes nothing either.
// Seen failing with promql.IsAnnotation always false: "Activity: … metrics source
// unavailable: query …: the answer may be partial: PromQL info: metric might
// not be a counter …".
func TestAnnotationsChangeNothing(t *testing.T) {
	plain, _ := fakeProm(t, activityFake("", ""))
	want, err := plain.Activity(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !want.Covered || want.Started[provider.Ref{Name: "busy", Namespace: "openfaas-fn"}] != 4 {
		t.Fatalf("baseline activity %+v", want)
	}
	infos := `,"infos":[` + strconv.Quote(promqlInfo) + `]`
	for name, fake := range map[string]func(string) (int, string){
		"info and warning annotations as warnings": activityFake("gateway_function", "", promqlInfo, promqlWarning),
		"info annotations as infos (Prometheus 3)": activityFake("gateway_function", infos),
		"isPartial false":                          activityFake("gateway_function", `,"isPartial":false`),
	} {
		t.Run(name, func(t *testing.T) {
			src, _ := fakeProm(t, fake)
			var logs bytes.Buffer
			src.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			got, err := src.Activity(context.Background(), time.Minute)
			if err != nil {
				t.Fatalf("Activity: %v", err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("activity (-without +with annotations):\n%s", d)
			}
			v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if v == nil {
				t.Errorf("Load = nil")
			}
			if logs.Len() > 0 {
				t.Errorf("annotations logged above debug:\n%s", logs.String())
			}
		})
	}
}

// TestPartialLastScrapeNotRead: the coverage series' scrapes read from a
// partial answer are not taken (the newest may be missing): the read
// fails, and LastScrape keeps what it knew.
func TestPartialLastScrapeNotRead(t *testing.T) {
	src, _ := fakeProm(t, func(string) (int, string) {
		return 200, withWarnings(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"gateway"},"values":[[1700000000,"1"],[1700000001,"1"],[1700000002,"1"]]}]}}`,
			"", thanosStoreDown)
	})
	src.now = func() time.Time { return time.Unix(1700000003, 0) }
	if _, err := src.LastScrape(context.Background()); err != nil {
		t.Fatal(err)
	}
	src.phase.done.Wait()
	s, err := src.LastScrape(context.Background())
	if s.Known() || !errors.Is(err, ErrPartial) {
		t.Fatalf("LastScrape = %+v, %v; want nothing known from a partial answer, and ErrPartial", s, err)
	}
}

// TestPartialWarnedOncePerMinute: one WARN names the warning and the
// query; more partial answers within a minute are counted into the next
// one, not logged each (a store down for an hour would otherwise log
// every pass's every query).
func TestPartialWarnedOncePerMinute(t *testing.T) {
	src, _ := fakeProm(t, func(string) (int, string) {
		return 200, withWarnings(vector(), "", thanosStoreDown)
	})
	var mu sync.Mutex
	var logs bytes.Buffer
	src.log = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	now := time.Unix(1700000000, 0)
	src.now = func() time.Time { return now }
	q := metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}
	for range 3 {
		_, _ = src.Load(context.Background(), q)
	}
	_, _ = src.Activity(context.Background(), time.Minute)
	src.phase.done.Wait() // its read of the scrape interval, in the background
	mu.Lock()
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d WARN lines for partial answers within a minute, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "receive series from Addr: thanos-store:10901") {
		t.Errorf("the WARN does not name the warning:\n%s", logs.String())
	}
	logs.Reset()
	mu.Unlock()
	now = now.Add(time.Minute)
	_, _ = src.Load(context.Background(), q)
	mu.Lock()
	defer mu.Unlock()
	// 2 more Loads, 8 Activity queries and its read of the scrape
	// interval since the first WARN.
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "since_last_warning=11") {
		t.Errorf("a minute on: want one WARN counting the 11 partial answers since the last:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
