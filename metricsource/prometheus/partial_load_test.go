package prometheus

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// partialLoadFake answers every load query as Thanos does with a store
// down: the series it reached, and a warning. The capacity parts query
// has a function whose gauge won (slow), one whose arrivals won (figlet)
// and one with arrivals alone (burst); every other query a's 2.
func partialLoadFake(q string) (int, string) {
	if strings.HasSuffix(q, "[5m]") { // the scrapes' phase and interval (LastScrape), complete
		return 200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"gateway"},"values":[[1700000000,"1"],[1700000005,"1"]]}]}}`
	}
	answer := vector(`{"metric":{"function_name":"a"},"value":[1700000000,"2"]}`)
	if strings.Contains(q, `"part", "gauge"`) {
		answer = vector(
			`{"metric":{"function_name":"slow","part":"gauge"},"value":[1700000000,"4"]}`,
			`{"metric":{"function_name":"slow","part":"arrivals"},"value":[1700000000,"1"]}`,
			`{"metric":{"function_name":"figlet","part":"gauge"},"value":[1700000000,"3"]}`,
			`{"metric":{"function_name":"figlet","part":"arrivals"},"value":[1700000000,"9"]}`,
			`{"metric":{"function_name":"burst","part":"arrivals"},"value":[1700000000,"6"]}`,
		)
	}
	return 200, withWarnings(answer, "", promqlInfo, thanosStoreDown)
}

// TestPartialLoadIsLowerBound: LoadParts (the scaler's load read) returns
// a partial answer's readings that are lower bounds of the load, with a
// *metricsource.PartialError naming the warning: rps and cpu (sums of
// rates over series: a missing series lowers them), and of capacity the
// in-flight gauge's peak alone (the arrivals part's mean duration is a
// ratio of two sums, which a missing series can raise). queue (an average
// over queue-worker replicas) and a custom load (an unknown expression)
// give none. The error is still ErrUnavailable and ErrPartial for every
// caller that does not look for the readings, and Load, which cannot say
// "lower bound", gives no values at all.
//
// Seen failing before the change (a partial answer was an error with no
// values):
//
//	partial_load_test.go:77: rps: LoadParts = map[], map[], load rps: metrics source unavailable: query (sum by …): the answer may be partial: receive series from Addr: …; want map[a.openfaas-fn:2] with a *metricsource.PartialError saying …
func TestPartialLoadIsLowerBound(t *testing.T) {
	ref := func(n string) provider.Ref { return provider.Ref{Name: n, Namespace: "openfaas-fn"} }
	a := metricsource.Values{ref("a"): 2}
	cases := []struct {
		typ       string
		wantV     metricsource.Values
		wantParts metricsource.Parts
	}{
		{metricsource.TypeRPS, a, nil},
		{metricsource.TypeCPU, a, nil},
		// figlet's arrivals (9) are no lower bound, its gauge (3) is:
		// capacity is the larger of the two. burst has no gauge: missing.
		{metricsource.TypeCapacity, metricsource.Values{ref("slow"): 4, ref("figlet"): 3}, metricsource.Parts{}},
		{metricsource.TypeQueue, nil, nil},
		{"custom", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			src, _ := fakeProm(t, partialLoadFake)
			src.LastScrape(context.Background())
			src.phase.done.Wait()
			q := metricsource.LoadQuery{Type: c.typ, Window: time.Minute}
			v, parts, err := src.LoadParts(context.Background(), q, nil)
			why, partial := metricsource.PartialWhy(err)
			if !partial || why != thanosStoreDown {
				t.Fatalf("%s: LoadParts = %v, %v, %v; want %v with a *metricsource.PartialError saying %q", c.typ, v, parts, err, c.wantV, thanosStoreDown)
			}
			if !errors.Is(err, metricsource.ErrUnavailable) || !errors.Is(err, ErrPartial) || !errors.Is(err, metricsource.ErrPartial) {
				t.Errorf("err = %v; want it to be ErrUnavailable and ErrPartial too", err)
			}
			if d := cmp.Diff(c.wantV, v, cmpEmptyNil); d != "" {
				t.Errorf("%s: values (-want +got), each a lower bound:\n%s", c.typ, d)
			}
			if d := cmp.Diff(c.wantParts, parts); d != "" {
				t.Errorf("%s: parts (-want +got): the readings are the gauge's:\n%s", c.typ, d)
			}
			if v, err := src.Load(context.Background(), q); v != nil || !errors.Is(err, metricsource.ErrUnavailable) {
				t.Errorf("%s: Load = %v, %v; want no values and ErrUnavailable: Load has no way to say lower bound", c.typ, v, err)
			}
		})
	}
}

// TestPartialLoadThenActivityStillFails: the lower bounds are the load
// read's alone; the idler's Activity on the same partial answers is still
// unavailable (nothing idled on it).
func TestPartialLoadThenActivityStillFails(t *testing.T) {
	src, _ := fakeProm(t, activityFake("increase(", "", thanosStoreDown))
	if _, _, err := src.LoadParts(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: time.Minute}, nil); err != nil {
		t.Fatalf("rps LoadParts: %v", err)
	}
	act, err := src.Activity(context.Background(), time.Minute)
	if err == nil || !errors.Is(err, metricsource.ErrUnavailable) {
		t.Fatalf("Activity = {Covered:%v Started:%v}, %v; want ErrUnavailable on a partial answer", act.Covered, act.Started, err)
	}
}

// cmpEmptyNil compares an empty map equal to nil: "no readings".
var cmpEmptyNil = cmp.FilterValues(func(x, y metricsource.Values) bool { return len(x) == 0 && len(y) == 0 }, cmp.Comparer(func(_, _ metricsource.Values) bool { return true }))
