package idler

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// deadlineSource records whether each activity query came with a deadline.
type deadlineSource struct {
	*fakeSource
	deadlines []bool
}

func (s *deadlineSource) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	_, ok := ctx.Deadline()
	s.deadlines = append(s.deadlines, ok)
	return s.fakeSource.Activity(ctx, window)
}

// localSource is deadlineSource answering from memory (metricsource.Local).
type localSource struct{ *deadlineSource }

func (localSource) AnswersLocally() {}

// TestActivityQueriesAreBoundedUnlessLocal: a source that calls another
// system (Prometheus) is asked under idler.call_timeout, one deadline per
// query; one that answers from the controller's memory (the embedded
// source) is asked without a timer, and the cycle decides the same. Seen
// failing with the deadline made for every source, and with it left out
// for every source.
func TestActivityQueriesAreBoundedUnlessLocal(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	for _, local := range []bool{false, true} {
		e := newEnv(t, Config{},
			function("a", 1, old, optIn(LabelZeroDuration, "1m")),
			function("b", 1, old, optIn(LabelZeroDuration, "2m")))
		ds := &deadlineSource{fakeSource: e.src}
		e.d.cfg.Source = ds
		if local {
			e.d.cfg.Source = localSource{ds}
		}
		rep := e.d.RunOnce(t.Context(), time.Now())
		if rep.Err != nil || len(rep.Idled) != 2 {
			t.Fatalf("local %v: idled %v (err %v), want both", local, rep.Idled, rep.Err)
		}
		if len(ds.deadlines) != 3 { // two windows and the re-check
			t.Fatalf("local %v: %d queries, want 3", local, len(ds.deadlines))
		}
		for i, bounded := range ds.deadlines {
			if bounded == local {
				t.Errorf("local %v: query %d had a deadline: %v", local, i, bounded)
			}
		}
	}
}
