package idler

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview53E_ACycleStoppedByTheTermsEndCountsNoMissingDataSkip: a cycle
// cut by its term's end during the activity query or the re-check is an
// orderly stop (observe/recheck: "no data is missing from the source"), and
// counts no missing_data_cycles_total. It still counted every function it
// had not decided as skipped_total{reason="missing_data"}: at every leader
// change the dashboard's "skip reasons per cycle" panel shows the whole
// opted-in fleet skipped for missing data.
func TestReview53E_ACycleStoppedByTheTermsEndCountsNoMissingDataSkip(t *testing.T) {
	for _, at := range []int{1, 2} { // 1: the activity query; 2: the re-check
		name := map[int]string{1: "activity query", 2: "re-check"}[at]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				old := time.Now().Add(-48 * time.Hour)
				reg := prometheus.NewRegistry()
				e := newEnvOn(t, memory.Options{}, Config{Registerer: reg}, function("a", 1, old, optIn()))
				ctx, stop := context.WithCancel(t.Context())
				defer stop()
				e.d.cfg.Source = &stoppingSource{fakeSource: e.src, at: at, stop: stop}
				e.d.RunOnce(ctx, time.Now())
				if ctx.Err() == nil {
					t.Fatal("control: the cycle ran to its end")
				}
				if n := testutil.ToFloat64(e.d.m.skipped.WithLabelValues(string(CodeMissingData))); n != 0 {
					t.Errorf(`skipped_total{reason="missing_data"} = %v after a cycle stopped by its term's end during the %s; want 0 (no data was missing: the term ended)`, n, name)
				}
			})
		})
	}
}

// flakyLister fails its first listing (the provider is down), and holds
// the next ones until release is closed (a listing in progress).
type flakyLister struct {
	*testProvider
	n       atomic.Int32
	release chan struct{}
}

func (l *flakyLister) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	if l.n.Add(1) == 1 {
		return nil, errors.New("connection refused")
	}
	select {
	case <-l.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return l.testProvider.Functions(ctx, ns)
}

// TestReview53E_ARetriedFirstCycleStillSaysWhyTheListingFailed: the term's
// first cycle could not list the functions; while the next cycle runs
// (its listing waits up to the call timeout, 30 s by default, as long as
// the schedule's interval on a hanging provider) the words say "the
// idler's first cycle ... is in progress" and drop the listing error:
// NotListed (the explain API's 503 body with the scaler off) no longer
// names "connection refused", only a cycle "in progress since" a few
// seconds, for half of every interval. It is not the first cycle either.
func TestReview53E_ARetriedFirstCycleStillSaysWhyTheListingFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := newTestProvider(t, memory.Options{}, function("idle", 2, start.Add(-time.Hour), optIn()))
		l := &flakyLister{testProvider: p, release: make(chan struct{})}
		d, err := New(Config{Provider: l, Actuator: newActuator(t, p, false), Source: newFakeSource(start),
			Clock: clock.Real(), Schedule: "@every 30s"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(31 * time.Second) // the first cycle failed to list
		synctest.Wait()
		if err := d.NotListed(); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("control: after the failed first listing NotListed = %v; want it to name the listing error", err)
		}
		time.Sleep(30 * time.Second) // the second cycle, its listing held
		synctest.Wait()
		if err := d.NotListed(); err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("while the cycle after a failed listing runs, NotListed = %v; want it still to name the listing error (connection refused)", err)
		}
		x, ok := d.Explain(ref("idle"))
		if pd, isP := x.(Pending); !ok || !isP {
			t.Errorf("while the second cycle runs: Explain = %#v, %v; want a Pending", x, ok)
		} else if strings.Contains(pd.Reason, "first cycle") {
			t.Errorf("while the second cycle runs (the first failed: list_error %q): reason %q calls it the first cycle", pd.ListError, pd.Reason)
		}
		close(l.release)
		cancel()
		wg.Wait()
	})
}

// TestReview53E_ANotOptedInFunctionIsExplainedAsTheFirstCycleListsIt: the
// README says of the pending idle section "a function not opted in is
// explained as soon as that cycle lists it". Only one serving and without
// a min-schedule is (prepare's answerListed); one not opted in at zero
// replicas (scaled down by someone else, or before --maintain-min) stays
// pending until the cycle ends, minutes at 10,000 functions, though its
// verdict (not_opted_in) is known from its labels as it is listed.
func TestReview53E_ANotOptedInFunctionIsExplainedAsTheFirstCycleListsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		created := start.Add(-time.Hour)
		p := newTestProvider(t, memory.Options{},
			function("idle", 2, created, optIn(LabelZeroDuration, "2m")),
			function("plainzero", 0, created, nil),
		)
		src := newFakeSource(start.Add(-time.Hour))
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Clock: clock.Real(), Schedule: "@every 30s"})
		if err != nil {
			t.Fatal(err)
		}
		var during any
		var duringOK bool
		src.onQuery = func(n int) {
			if n == 1 { // the first cycle, after its listing, before its end
				during, duringOK = d.Explain(ref("plainzero"))
			}
		}
		d.NewTerm()
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(31 * time.Second)
		synctest.Wait()
		if src.queries() == nil {
			t.Fatal("control: the first cycle asked no activity")
		}
		if ex, isEx := during.(Explanation); !duringOK || !isEx || ex.Code != CodeNotOptedIn {
			t.Errorf("during the first cycle, a function not opted in (at zero) that cycle listed: Explain = %#v, %v; want its not_opted_in explanation (README)", during, duringOK)
		}
		cancel()
		wg.Wait()
	})
}
