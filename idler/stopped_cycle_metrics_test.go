package idler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// stoppingLister ends the cycle's context (the leadership term ends) while
// the functions are listed, and answers as a provider whose call was cut.
type stoppingLister struct {
	*testProvider
	stop context.CancelFunc
}

func (l stoppingLister) Functions(ctx context.Context, _ string) ([]provider.Function, error) {
	l.stop()
	<-ctx.Done()
	return nil, fmt.Errorf("list: %w", ctx.Err())
}

// stoppingSource ends the cycle's context during its query number at (the
// first: the activity query; the second: the re-check), answering as a
// source whose call was cut.
type stoppingSource struct {
	*fakeSource
	at, n int
	stop  context.CancelFunc
}

func (s *stoppingSource) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	s.n++
	if s.n == s.at {
		s.stop()
		<-ctx.Done()
		return metricsource.Activity{}, fmt.Errorf("query: %w", ctx.Err())
	}
	return s.fakeSource.Activity(ctx, window)
}

// TestACycleStoppedByTheTermsEndCountsNoError: a cycle cut short by its
// term's end (its context cancelled: leadership lost, a shutdown) is an
// orderly stop, not an error. It was counted as one wherever the cut
// landed: runs_total{result="error"} (the listing), missing_data_cycles_total
// (an activity query, the re-check) and scale_errors_total (a scale call),
// which the controller-health dashboard and the missing-data alert read as
// trouble at every leader change.
func TestACycleStoppedByTheTermsEndCountsNoError(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setUp makes the cycle stop where the case says; p holds "a",
		// opted in and idle, and "b", not opted in, at zero (restored with
		// maintain-min).
		setUp func(e *env, stop context.CancelFunc)
	}{
		{"listing", func(e *env, stop context.CancelFunc) {
			e.d.cfg.Provider = stoppingLister{e.p, stop}
		}},
		{"activity query", func(e *env, stop context.CancelFunc) {
			e.d.cfg.Source = &stoppingSource{fakeSource: e.src, at: 1, stop: stop}
		}},
		{"re-check", func(e *env, stop context.CancelFunc) {
			e.d.cfg.Source = &stoppingSource{fakeSource: e.src, at: 2, stop: stop}
		}},
		{"scale to zero", func(e *env, stop context.CancelFunc) {
			e.p.Block(ref("a")) // never released: the call ends with its context
			go func() {
				_ = e.p.WaitHeld(context.Background(), ref("a"), 1)
				stop()
			}()
		}},
		{"restore", func(e *env, stop context.CancelFunc) {
			e.p.Block(ref("b"))
			go func() {
				_ = e.p.WaitHeld(context.Background(), ref("b"), 1)
				stop()
			}()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				old := time.Now().Add(-48 * time.Hour) // the bubble's clock
				reg := prometheus.NewRegistry()
				e := newEnvOn(t, memory.Options{}, Config{Registerer: reg, MaintainMin: true},
					function("a", 1, old, optIn()), function("b", 0, old, nil))
				if tc.name == "restore" { // b's restore only: a is not idle
					e.src.invoke(ref("a"))
				}
				ctx, stop := context.WithCancel(t.Context())
				defer stop()
				tc.setUp(e, stop)
				e.d.RunOnce(ctx, time.Now())
				if ctx.Err() == nil {
					t.Fatal("control: the cycle ran to its end; the case did not stop it")
				}
				m := e.d.m
				for what, n := range map[string]float64{
					`runs_total{result="error"}`:                        testutil.ToFloat64(m.runs.WithLabelValues("error")),
					`missing_data_cycles_total{reason="source_error"}`:  testutil.ToFloat64(m.missingData.WithLabelValues(missingSourceError)),
					`missing_data_cycles_total{reason="recheck_error"}`: testutil.ToFloat64(m.missingData.WithLabelValues(missingRecheckError)),
					"scale_errors_total":                                testutil.ToFloat64(m.scaleErrors),
				} {
					if n != 0 {
						t.Errorf("%s = %v after a cycle stopped by its term's end; want 0 (an orderly stop)", what, n)
					}
				}
				// Wherever it stopped: the skip-reasons panel divides
				// skipped_total, which a stopped cycle does not add to
				// (review 53E), by the ok runs.
				if n, ok := testutil.ToFloat64(m.runs.WithLabelValues("stopped")), testutil.ToFloat64(m.runs.WithLabelValues("ok")); n != 1 || ok != 0 {
					t.Errorf(`runs_total{result="stopped"} = %v, {result="ok"} = %v after a cycle stopped during the %s; want 1 and 0`, n, ok, tc.name)
				}
				if strings.Contains(e.log.String(), "level=ERROR") || strings.Contains(e.log.String(), "level=WARN") {
					t.Errorf("a cycle stopped by its term's end logged a warning or an error:\n%s", e.log)
				}
			})
		})
	}
}
