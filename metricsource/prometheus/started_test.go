package prometheus

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// startedAnswer answers Activity's queries: the started query with a few
// functions (a qualified duplicate, a NaN, a series without a name), the
// rest empty.
func startedAnswer(t *testing.T, window time.Duration) func(string) (int, string) {
	t.Helper()
	started, err := startedQuery(window, DefaultConfig().CoverageSelector, DefaultNamespace)
	if err != nil {
		t.Fatal(err)
	}
	return func(q string) (int, string) {
		switch {
		case q == started:
			return 200, vector(
				`{"metric":{"function_name":"busy"},"value":[1700000000,"12"]}`,
				`{"metric":{"function_name":"busy.openfaas-fn"},"value":[1700000000,"3"]}`,
				`{"metric":{"function_name":"quiet.team"},"value":[1700000000,"0"]}`,
				`{"metric":{"function_name":"nan"},"value":[1700000000,"NaN"]}`,
				`{"metric":{"job":"gateway"},"value":[1700000000,"7"]}`)
		default:
			return 200, vector()
		}
	}
}

func sortedCounts(c []metricsource.Count) []metricsource.Count {
	return slices.SortedFunc(slices.Values(c), func(a, b metricsource.Count) int {
		return cmp.Or(cmp.Compare(a.Ref.Namespace, b.Ref.Namespace), cmp.Compare(a.Ref.Name, b.Ref.Name))
	})
}

// TestFeederReadIsOneQuery: the keep-alive feeder reads the invocations
// started over its step for every function (metricsource.Started). Through
// Activity that was eight queries a step, seven answers of a series a
// function each; at 100,000 functions one read took 12–13 s, stretching the
// feeder's window until calls 30 s apart read as steady traffic. One query
// now, with Activity's Started entries.
func TestFeederReadIsOneQuery(t *testing.T) {
	const window = 15 * time.Second
	src, calls := fakeProm(t, startedAnswer(t, window))
	ctx := context.Background()
	got, err := metricsource.Started(ctx, src, window, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the feeder's read made %d requests, want 1 (the started query)", n)
	}
	want := []metricsource.Count{
		{Ref: provider.Ref{Name: "busy", Namespace: "openfaas-fn"}, N: 15}, // bare and qualified added up
		{Ref: provider.Ref{Name: "quiet", Namespace: "team"}, N: 0},        // present: no calls, not unknown
	}
	if d := gocmp.Diff(want, sortedCounts(got)); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}

	act, err := src.Activity(ctx, window)
	if err != nil {
		t.Fatal(err)
	}
	var fromActivity []metricsource.Count
	for ref, n := range act.Started {
		fromActivity = append(fromActivity, metricsource.Count{Ref: ref, N: n})
	}
	if d := gocmp.Diff(sortedCounts(fromActivity), sortedCounts(got)); d != "" {
		t.Errorf("StartedCounts differs from Activity's Started (-activity +counts):\n%s", d)
	}

	// buf's array is reused when long enough.
	buf := make([]metricsource.Count, 0, 8)
	again, err := metricsource.Started(ctx, src, window, buf)
	if err != nil || len(again) != 2 || &again[:1][0] != &buf[:1][0] {
		t.Errorf("Started with a buffer of 8: %v (err %v), want the two counts in the buffer's array", again, err)
	}
}

// TestFeederReadErrors: a failed started query is an error (the feeder
// then learns nothing across the step: missing is not zero), unavailable
// when Prometheus could not answer, and a bad window is refused before any
// request.
func TestFeederReadErrors(t *testing.T) {
	src, calls := fakeProm(t, func(string) (int, string) { return 503, `{"status":"error","errorType":"unavailable","error":"down"}` })
	got, err := metricsource.Started(context.Background(), src, 15*time.Second, nil)
	if err == nil || !errors.Is(err, metricsource.ErrUnavailable) || len(got) != 0 {
		t.Errorf("Started against a 503 = %v, %v; want no counts and an ErrUnavailable", got, err)
	}
	before := calls.Load()
	if _, err := metricsource.Started(context.Background(), src, 1500*time.Microsecond, nil); err == nil {
		t.Error("a window finer than a millisecond was queried")
	}
	if calls.Load() != before {
		t.Error("a bad window reached Prometheus")
	}
}
