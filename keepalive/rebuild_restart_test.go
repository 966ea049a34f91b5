package keepalive

import (
	"context"
	"errors"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// restartHistory is ranged (the counters within each query's range, and
// their count for RebuildSeriesQuery) with the gateway processes' start
// times: it answers the start-time query from starts, as Prometheus does,
// with the points within the range of the instances the query names. A
// start-time query fails with failStarts, or is answered with warnings.
type restartHistory struct {
	*ranged
	starts     model.Matrix
	failStarts error
	warnings   v1.Warnings
	asked      []string // the start-time queries, in order
}

func (f *restartHistory) QueryRange(ctx context.Context, q string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if !strings.Contains(q, promql.MetricProcessStart) {
		return f.ranged.QueryRange(ctx, q, r, opts...)
	}
	f.asked = append(f.asked, q)
	if f.failStarts != nil {
		return nil, nil, nil, f.failStarts
	}
	named := regexp.MustCompile(`instance=~("(?:[^"\\]|\\.)*")`).FindStringSubmatch(q)
	if named == nil {
		return nil, nil, nil, errors.New("the start-time query names no instances: " + q)
	}
	pattern, err := strconv.Unquote(named[1])
	if err != nil {
		return nil, nil, nil, err
	}
	re := regexp.MustCompile("^(?:" + pattern + ")$")
	from, to := model.TimeFromUnixNano(r.Start.UnixNano()), model.TimeFromUnixNano(r.End.UnixNano())
	out := model.Matrix{}
	for _, s := range f.starts {
		if !re.MatchString(string(s.Metric["instance"])) {
			continue
		}
		part := &model.SampleStream{Metric: s.Metric}
		for _, pt := range s.Values {
			if pt.Timestamp >= from && pt.Timestamp <= to {
				part.Values = append(part.Values, pt)
			}
		}
		if len(part.Values) > 0 {
			out = append(out, part)
		}
	}
	return out, f.warnings, nil, nil
}

// startedAt is one gateway instance's process start time as the start-time
// query answers it at one-minute steps over the hour from t0, written as
// counterAt writes a counter (NaN: no sample, as in a failed scrape).
func startedAt(instance string, values map[int]float64) *model.SampleStream {
	s := counterAt("", instance, values)
	s.Metric = model.Metric{"instance": model.LabelValue(instance)}
	return s
}

// Process start times, in Unix seconds: before and after a restart.
const (
	startedBefore = 1.7e9
	startedAfter  = 1.7e9 + 86_400.25
)

// restartCases are functions on gateway instances restarted in place (the
// same `instance`, a new process start time), and what Rebuild should
// learn of each. Each function has a gateway instance of its own.
var restartCases = map[string]struct {
	counter map[int]float64 // on gw-<name>
	starts  map[int]float64 // gw-<name>'s start time; nil: none exported
	want    []wantStep
}{
	// Called once before the restart (its series made at 1) and once
	// after it: the new process made the series at 1 again. Read as no
	// change, the second call was lost and the idle time after the first
	// was learned as lasting to the next call, or to now.
	"rare": {
		counter: map[int]float64{10: 1, 30: math.NaN(), 33: 1},
		starts:  map[int]float64{0: startedBefore, 30: math.NaN(), 31: startedAfter},
		want:    []wantStep{{10, 1}, {33, 1}},
	},
	// The same with no failed scrape between the two processes: the first
	// scrape of the new one came before the old one's series went stale.
	"nogap": {
		counter: map[int]float64{5: 1, 20: 1},
		starts:  map[int]float64{0: startedBefore, 20: startedAfter},
		want:    []wantStep{{5, 1}, {20, 1}},
	},
	// Counted past its old value by the first scrape after the restart:
	// 5 calls, not the 2 a rise from 3 reads.
	"passed": {
		counter: map[int]float64{0: 3, 40: math.NaN(), 42: 5, 50: 6},
		starts:  map[int]float64{0: startedBefore, 40: math.NaN(), 42: startedAfter},
		want:    []wantStep{{42, 5}, {50, 1}},
	},
	// Back below its old value, a reset either way: counted once.
	"fell": {
		counter: map[int]float64{0: 9, 25: 2, 26: 3},
		starts:  map[int]float64{0: startedBefore, 25: startedAfter},
		want:    []wantStep{{25, 2}, {26, 1}},
	},
	// A gateway without process metrics: nothing tells a restart, and the
	// counter reads as it did before start times were read (missing is not
	// a change).
	"absent": {
		counter: map[int]float64{10: 1, 30: math.NaN(), 33: 1, 40: 3},
		want:    []wantStep{{10, 1}, {40, 2}},
	},
	// No start time at the step of a value (the start time's sample lost,
	// the counter's not): whether the process changed there is not known,
	// nor at the next value, which has only that one to compare with.
	// Taken from before the gap, the 2 at minute 40 read as a restart's
	// whole count, the call at minute 31 counted twice.
	"unknown": {
		counter: map[int]float64{10: 1, 31: 1, 40: 2},
		starts:  map[int]float64{0: startedBefore, 31: math.NaN(), 32: startedAfter},
		want:    []wantStep{{10, 1}, {40, 1}},
	},
	// A start time that is not a time is no start time.
	"nan": {
		counter: map[int]float64{10: 1, 33: 1, 40: 2},
		starts:  map[int]float64{0: startedBefore, 33: math.Inf(1), 34: startedAfter},
		want:    []wantStep{{10, 1}, {40, 1}},
	},
	// The same process, its start time read a second apart between
	// scrapes: the Go client adds /proc/stat's btime, read at each scrape,
	// which moves by whole seconds when the clock is stepped
	// (prometheus/client_golang#289). Not a restart: read as one, the 1
	// counted whole at minutes 20 and 30, and the 2 at minute 45.
	"jitter": {
		counter: map[int]float64{10: 1, 40: 2, 50: 12},
		starts:  map[int]float64{0: startedBefore, 20: startedBefore + 1, 30: startedBefore, 45: startedBefore - 1},
		want:    []wantStep{{10, 1}, {40, 1}, {50, 10}},
	},
	// Present at the first step (a baseline: called before the lookback),
	// restarted right after it: the new process's 2 calls count.
	"baseline": {
		counter: map[int]float64{0: 1, 1: 2, 15: 3},
		starts:  map[int]float64{0: startedBefore, 1: startedAfter},
		want:    []wantStep{{1, 2}, {15, 1}},
	},
}

// restartHistoryOf is restartCases as Prometheus holds them.
func restartHistoryOf() *restartHistory {
	f := &restartHistory{ranged: &ranged{}}
	for name, tc := range restartCases {
		in := "gw-" + name
		f.series = append(f.series, counterAt(name+".openfaas-fn", in, tc.counter))
		if tc.starts != nil {
			f.starts = append(f.starts, startedAt(in, tc.starts))
		}
	}
	// A gateway instance with no counter series: not asked for.
	f.starts = append(f.starts, startedAt("prometheus:9090", map[int]float64{0: startedBefore}))
	return f
}

// checkRestartCases says where what p learned differs from restartCases.
func checkRestartCases(t *testing.T, p *Policy, rep RebuildReport) {
	t.Helper()
	calls := 0
	for name, tc := range restartCases {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		want, _ := New(Config{PreWarmShare: 0.25})
		for _, s := range tc.want {
			want.ObserveCount(ref, atMinute(s.m).Time(), time.Minute, s.n)
			calls += s.n
		}
		if got, w := learned(p, ref), learned(want, ref); got != w {
			t.Errorf("%s learned %s, want %s", name, got, w)
		}
	}
	if rep.Functions != len(restartCases) || rep.Invocations != float64(calls) || rep.StartTimesErr != nil {
		t.Errorf("report %+v, want %d functions, %d invocations, the start times read", rep, len(restartCases), calls)
	}
}

// TestRebuildCountsCallsAfterARestartInPlace: a gateway restarted in its
// pod keeps its `instance`, and its counters start again from 0. Rebuild
// reads each instance's process start time at the same steps, and a value
// whose start time differs from the one at the series' value before it
// counts whole, as a fall does; without a start time the counter reads as
// before.
//
// Seen failing before the start times were read: "rare learned last
// 2019-07-15 00:09:30, idle times [] weighted [], want last 2019-07-15
// 00:32:30, idle times [23m0s] weighted [1]" (its second call lost), nogap
// the same, passed and baseline learning the rise above the old value only.
func TestRebuildCountsCallsAfterARestartInPlace(t *testing.T) {
	f := restartHistoryOf()
	p, _ := New(Config{PreWarmShare: 0.25})
	rep, err := p.Rebuild(context.Background(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	checkRestartCases(t, p, rep)
	want := `min by (instance) (process_start_time_seconds{instance=~"gw-absent|gw-baseline|gw-fell|gw-jitter|gw-nan|gw-nogap|gw-passed|gw-rare|gw-unknown"})`
	if len(f.asked) != 1 || f.asked[0] != want {
		t.Errorf("start-time queries %q, want one: %s", f.asked, want)
	}
}

// TestRebuildRestartInPlaceInParts: asked in parts of the lookback (here of
// 10 steps), a restart whose last value before it ends one part and whose
// first after it begins the next is read as in one answer: the start time
// at the series' last value is carried over with the value. One start-time
// query a part.
func TestRebuildRestartInPlaceInParts(t *testing.T) {
	// nogap's restart is at minute 20, the first step of the third part;
	// its value before it, at minute 19, ends the second.
	atPoints(t, 10*len(restartCases))
	f := restartHistoryOf()
	p, _ := New(Config{PreWarmShare: 0.25})
	rep, err := p.Rebuild(context.Background(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	checkRestartCases(t, p, rep)
	if f.queries != 7 || len(f.asked) != 7 {
		t.Errorf("%d counter queries and %d start-time queries, want 7 of each (61 steps in parts of 10)", f.queries, len(f.asked))
	}
}

// TestRebuildWithoutStartTimes: when the start times cannot be read (the
// query fails, or its answer may lack series), the rebuild does not fail
// and learns what it learned before reading them; the report says why. A
// part whose start times are not read leaves its last values without one,
// so the next part invents no restart either.
func TestRebuildWithoutStartTimes(t *testing.T) {
	// What the cases learn with no start times at all.
	blind := func() (*Policy, RebuildReport) {
		f := restartHistoryOf()
		f.starts = nil
		p, _ := New(Config{PreWarmShare: 0.25})
		rep, err := p.Rebuild(context.Background(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn")
		if err != nil {
			t.Fatal(err)
		}
		return p, rep
	}
	want, wantRep := blind()
	if wantRep.StartTimesErr != nil {
		t.Fatalf("no start times exported is not an error: %v", wantRep.StartTimesErr)
	}
	for _, tc := range []struct {
		name     string
		fail     error
		warnings v1.Warnings
		says     string
	}{
		{"failed", errors.New("query timed out"), nil, "query timed out"},
		{"partial", nil, v1.Warnings{"No StoreAPIs matched for this query"}, "No StoreAPIs matched"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := restartHistoryOf()
			f.failStarts, f.warnings = tc.fail, tc.warnings
			p, _ := New(Config{PreWarmShare: 0.25})
			rep, err := p.Rebuild(context.Background(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn")
			if err != nil {
				t.Fatalf("rebuild failed for the start times: %v", err)
			}
			if rep.StartTimesErr == nil || !strings.Contains(rep.StartTimesErr.Error(), tc.says) {
				t.Errorf("report says %v, want the start times' error (%s)", rep.StartTimesErr, tc.says)
			}
			rep.StartTimesErr = nil
			if !reflect.DeepEqual(rep, wantRep) || !reflect.DeepEqual(learnedOf(p, t0.Add(time.Hour)), learnedOf(want, t0.Add(time.Hour))) {
				t.Errorf("learned %+v, want what a rebuild without start times learns: %+v", rep, wantRep)
			}
		})
	}

	// In parts of ten steps, laid back from the last (minutes 51–60,
	// 41–50, …, 1–10, 0), the start times of the part of minutes 11–20
	// not read: "rare" (restarted at minute 30, its value before at minute
	// 20 without a start time) and "nogap" (at 20) read as without start
	// times; "passed" (at 42) still counts whole.
	atPoints(t, 10*len(restartCases))
	f := &secondStartsFail{restartHistory: restartHistoryOf()}
	p, _ := New(Config{PreWarmShare: 0.25})
	rep, err := p.Rebuild(context.Background(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn")
	if err != nil || rep.StartTimesErr == nil {
		t.Fatalf("rebuild: %v, start times: %v; want no error, and the start times' failure said", err, rep.StartTimesErr)
	}
	for name, steps := range map[string][]wantStep{
		"rare":   {{10, 1}, {33, 1}},
		"nogap":  {{5, 1}},
		"passed": {{42, 5}, {50, 1}},
	} {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		w, _ := New(Config{PreWarmShare: 0.25})
		for _, s := range steps {
			w.ObserveCount(ref, atMinute(s.m).Time(), time.Minute, s.n)
		}
		if got, want := learned(p, ref), learned(w, ref); got != want {
			t.Errorf("%s learned %s, want %s", name, got, want)
		}
	}
}

// secondStartsFail is restartHistory whose start-time query over minute
// 19 fails.
type secondStartsFail struct{ *restartHistory }

func (f *secondStartsFail) QueryRange(ctx context.Context, q string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if m19 := atMinute(19).Time(); strings.Contains(q, promql.MetricProcessStart) && !r.Start.After(m19) && !r.End.Before(m19) {
		f.asked = append(f.asked, q)
		return nil, nil, nil, errors.New("unavailable")
	}
	return f.restartHistory.QueryRange(ctx, q, r, opts...)
}
