package idler

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// nanSource answers as its fakeSource does, but with one field of
// function "a" not a number: the reading a broken exporter or a proxy in
// front of the source can give (0/0), which is no amount of activity.
type nanSource struct {
	*fakeSource
	field string // "started", "inflight" or "queued"
	from  int    // the first query (from 1) answered so; 0: every one
	n     int
}

func (s *nanSource) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	act, err := s.fakeSource.Activity(ctx, window)
	if err != nil {
		return act, err
	}
	r := ref("a")
	if s.n++; s.n < s.from {
		return act, nil
	}
	switch s.field {
	case "started":
		act.Started[r] = math.NaN()
	case "inflight":
		act.Inflight[r] = math.NaN()
	case "queued":
		act.Queued = metricsource.Values{r: math.NaN()}
	case "negative-started":
		act.Started[r] = -1
	case "infinite-inflight":
		act.Inflight[r] = math.Inf(-1)
	}
	return act, nil
}

// TestNaNActivityIsNotIdle: an activity reading that is not a number says
// nothing about the function's activity; it is missing, not zero (the
// scaler's Decide already treats NaN, ±Inf and negatives as missing). The
// idler compares it with "> 0", which a NaN never is, and so reads "no
// invocation, nothing in flight, nothing queued" and scales the function
// to zero. So on the re-check right before scaling (the second query).
//
// Seen failing before the fix (observation takes such a reading as
// missing, and recheck drops any candidate whose observation is not
// known): started reading NaN: idled [a.openfaas-fn], replicas 0, verdict
// idle ("no invocation in the last 15m0s"); want not idled, missing_data
// (and the same for inflight and queued).
func TestNaNActivityIsNotIdle(t *testing.T) {
	for _, tc := range []struct {
		field string
		from  int
	}{{"started", 0}, {"inflight", 0}, {"queued", 0}, {"started", 2}, {"queued", 2},
		{"negative-started", 0}, {"infinite-inflight", 0}} {
		field := tc.field
		t.Run(fmt.Sprintf("%s/from-query-%d", field, tc.from), func(t *testing.T) {
			old := time.Now().Add(-48 * time.Hour)
			e := newEnv(t, Config{}, function("a", 1, old, optIn()))
			e.src.invoke(ref("a"))
			e.src.mu.Lock()
			e.src.last[ref("a")] = time.Now().Add(-time.Hour) // a series, quiet in the window
			e.src.mu.Unlock()
			e.d.cfg.Source = &nanSource{fakeSource: e.src, field: field, from: tc.from}
			rep := e.d.RunOnce(t.Context(), time.Now())
			v := verdictOf(rep, ref("a"))
			if len(rep.Idled) != 0 || e.p.replicas(ref("a")) == 0 || v.Code != CodeMissingData {
				t.Errorf("%s reading NaN: idled %v, replicas %d, verdict %s (%q); want not idled, missing_data",
					field, rep.Idled, e.p.replicas(ref("a")), v.Code, v.Reason)
			}
		})
	}
}
