package scaler

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func TestTickScalesAndExportsMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil,
			function(refA, 1, nil),
			function(refB, 3, map[string]string{LabelMin: "2", LabelMax: "8", LabelTarget: "10", LabelTargetProportion: "1"}))
		e.src.SetWindow("rps", DefaultStableWindow, refA, 200)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 60)
		e.src.Set("rps", refB, 30)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		want := []scaleCall{{refA, 5}}
		if diff := cmp.Diff(want, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls (-want +got):\n%s", diff)
		}
		checks := []struct {
			name   string
			labels map[string]string
			want   float64
		}{
			{MetricDesiredReplicas, fn(refA), 5},
			{MetricReplicas, fn(refA), 5}, // the applied scale's count, as explain says (review 51)
			{MetricAvailableReplicas, fn(refA), 1},
			{MetricMinReplicas, fn(refB), 2},
			{MetricMaxReplicas, fn(refB), 8},
			{MetricTargetLoad, map[string]string{labelFunction: refA.String(), labelScalingType: "rps"}, 45},
			{MetricTargetLoad, map[string]string{labelFunction: refB.String(), labelScalingType: "rps"}, 10},
			{MetricDecisions, map[string]string{labelFunction: refA.String(), labelReason: string(CodeScaleUp)}, 1},
			{MetricDecisions, map[string]string{labelFunction: refB.String(), labelReason: string(CodeWithinTolerance)}, 1},
			{MetricScaleCalls, map[string]string{labelFunction: refA.String(), labelResult: "ok"}, 1},
			{MetricReconcileDuration, nil, 1},
		}
		for _, c := range checks {
			got, ok := e.metric(t, c.name, c.labels)
			if !ok || got != c.want {
				t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
			}
		}
	})
}

func TestTickQueriesOncePerTypeAndWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fns []provider.Function
		for i := range 20 {
			typ := "rps"
			if i%4 == 0 {
				typ = "capacity"
			}
			fns = append(fns, function(provider.Ref{Name: string(rune('a' + i)), Namespace: "ns"}, 1, map[string]string{LabelType: typ}))
		}
		fns = append(fns, function(refC, 1, map[string]string{LabelType: TypeStep}),
			function(refB, 2, map[string]string{LabelMin: "2", LabelMax: "2", LabelType: "cpu"}))
		e := newLoopEnv(t, nil, fns...)
		e.src.Set("rps", refA, 1)
		e.src.Set("capacity", refA, 1)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		got := map[metricsource.LoadQuery]int{}
		for _, q := range e.src.Queries() {
			got[q]++
		}
		want := map[metricsource.LoadQuery]int{
			{Type: "rps", Window: DefaultStableWindow}: 1, {Type: "rps", Window: DefaultBurstWindow}: 1,
			{Type: "capacity", Window: DefaultStableWindow}: 1, {Type: "capacity", Window: DefaultBurstWindow}: 1,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("queries (-want +got); step and static functions need none:\n%s", diff)
		}
	})
}

func TestDryRunNeverScales(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, func(c *LoopConfig) {
			c.Actuator = newActuatorOn(t, c.Provider.(provider.Provider), nil, true, c.Registerer)
		}, function(refA, 1, nil))
		e.src.Set("rps", refA, 200)
		for range 3 {
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Second)
		}
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Errorf("dry run called Scale: %v", calls)
		}
		if v, _ := e.metric(t, MetricDesiredReplicas, fn(refA)); v != 5 {
			t.Errorf("desired replicas %v, want 5", v)
		}
		if v, _ := e.metric(t, MetricScaleCalls, map[string]string{labelFunction: refA.String(), labelResult: "dry_run"}); v != 3 {
			t.Errorf("dry_run scale calls %v, want 3", v)
		}
	})
}

func TestRefusedScaleIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, map[string]string{LabelMax: "50"}))
		// The provider refuses the first write (23): a loop that retried
		// the refused count would get a second write through.
		e.prov.FailScale(refA, 1, &provider.RefusedError{Ref: refA, Replicas: 23, Status: 400, Message: "no"})
		e.src.Set("rps", refA, 1000) // burst: wants 23
		for range 10 {
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Second)
		}
		calls := e.prov.takeCalls()
		if len(calls) != 1 {
			t.Errorf("%d Scale calls for a refused count over 10 passes, want 1: %v", len(calls), calls)
		}
		// scale_calls_total counts the one call refused, not the passes
		// whose intents the actuator dropped while it held the refusal (it
		// counted every pass's drop as a refused call; found by a review
		// helper).
		if v, _ := e.metric(t, MetricScaleCalls, map[string]string{labelResult: "refused"}); v != 1 {
			t.Errorf("scale_calls_total{result=refused} = %v after one refused call, want 1", v)
		}
		e.src.Set("rps", refA, 200) // now wants 5: a different count is tried
		time.Sleep(5 * time.Minute) // past burst mode and the down window
		for range 2 {
			_ = e.loop.Tick(t.Context(), time.Now())
			time.Sleep(5 * time.Second)
		}
		if got := e.prov.replicas(refA); got != 5 {
			t.Errorf("after the need fell to an acceptable count: %d, want 5 (calls %v)", got, e.prov.takeCalls())
		}
	})
}

func TestProviderDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 2, nil))
		e.src.Set("rps", refA, 90)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		e.prov.setDown(errDown)
		if err := e.loop.Tick(t.Context(), time.Now()); err == nil {
			t.Error("Tick with the provider down: want an error")
		}
		err := e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing})
		// Both sentinels: the webhook answers 503 on ErrUnavailable, and the
		// provider's own error stays inspectable (errors.Is) for logs.
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, errDown) {
			t.Errorf("Notify with the provider down = %v, want ErrUnavailable wrapping the provider's error", err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); !errors.Is(err, ErrUnavailable) || !errors.Is(err, errDown) {
			t.Errorf("EvaluatePending = %v, want ErrUnavailable wrapping the provider's error", err)
		}
		if v, _ := e.metric(t, MetricReconcileErrors, map[string]string{"stage": "list"}); v != 1 {
			t.Errorf("list errors %v, want 1", v)
		}
		if _, ok := e.loop.Explain(refA); !ok {
			t.Error("a provider outage forgot the function")
		}
		e.prov.setDown(nil)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing}); err != nil {
			t.Errorf("Notify after recovery = %v", err)
		}
	})
}

func TestSourceDownChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 6, nil), function(refB, 0, nil))
		e.src.Set("rps", refA, 10)
		e.src.Fail("", errors.New("prometheus: 503"))
		for range 30 {
			_ = e.loop.Tick(t.Context(), time.Now())
			time.Sleep(5 * time.Second)
		}
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Errorf("scaled without data: %v", calls)
		}
		if v, _ := e.metric(t, MetricDecisions, map[string]string{labelFunction: refA.String(), labelReason: string(CodeNoData)}); v != 30 {
			t.Errorf("no_data decisions %v, want 30", v)
		}
		if v, _ := e.metric(t, MetricReconcileErrors, map[string]string{"stage": "load"}); v != 30 {
			t.Errorf("load errors %v, want 30 (one a failed pass, its two windows' queries once: review 51)", v)
		}
	})
}

func TestFunctionsThatDisappearAreForgotten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, nil), function(refB, 1, nil))
		e.src.Set("rps", refA, 10)
		e.src.Set("rps", refB, 200) // scaled up: the actuator remembers a write
		_ = e.loop.Tick(t.Context(), time.Now())
		synctest.Wait()
		if _, ok := e.metric(t, MetricReplicas, fn(refB)); !ok {
			t.Fatal("no series for b")
		}
		act := e.loop.cfg.Actuator.(*actuator.Actuator)
		if _, ok := act.LastWrite(refB); !ok {
			t.Fatal("the actuator has no write of b")
		}
		e.prov.remove(refB)
		_ = e.loop.Tick(t.Context(), time.Now())
		// The actuator forgets it too (seen failing before: its entry, with
		// the last write and back-off, stayed for good).
		if w, ok := act.LastWrite(refB); ok {
			t.Errorf("the actuator still remembers the removed function's write %+v", w)
		}
		for _, name := range []string{MetricReplicas, MetricDesiredReplicas, MetricDecisions, MetricTargetLoad, MetricMinReplicas} {
			if _, ok := e.metric(t, name, fn(refB)); ok {
				t.Errorf("%s still has a series for the removed function", name)
			}
		}
		if _, ok := e.loop.Explain(refB); ok {
			t.Error("explain still knows the removed function")
		}
		if err := e.loop.Notify(t.Context(), Signal{Ref: refB, Status: Firing}); !errors.Is(err, ErrUnknownFunction) {
			t.Errorf("Notify for a removed function = %v, want ErrUnknownFunction", err)
		}
		if _, ok := e.metric(t, MetricReplicas, fn(refA)); !ok {
			t.Error("the remaining function lost its series")
		}
	})
}

func TestInvalidLabelsAffectOnlyThatFunction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, map[string]string{LabelMax: "lots"}), function(refB, 1, nil))
		e.src.Set("rps", refA, 500)
		e.src.Set("rps", refB, 200)
		_ = e.loop.Tick(t.Context(), time.Now())
		want := []scaleCall{{refB, 5}}
		if diff := cmp.Diff(want, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls (-want +got):\n%s", diff)
		}
		if v, _ := e.metric(t, MetricDecisions, map[string]string{labelFunction: refA.String(), labelReason: string(CodeInvalidSpec)}); v != 1 {
			t.Errorf("invalid_spec decisions %v, want 1", v)
		}
		f, _ := e.loop.Explain(refA)
		if f.SpecError == nil || f.SpecError.Label != LabelMax || f.SpecError.Value != "lots" {
			t.Errorf("explain spec error %+v, want the max label named", f.SpecError)
		}
	})
}

// Not in a synctest bubble: goroutines waiting on a mutex are not durably
// blocked, so synctest.Wait would never return.
func TestRunScenarioOnVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, nil))
		e.src.Set("rps", refA, 40)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.loop.Run(ctx)
		time.Sleep(time.Minute)
		if got := e.prov.replicas(refA); got != 1 {
			t.Fatalf("under light load: %d replicas, want 1", got)
		}
		e.src.Set("rps", refA, 400) // sustained: 9 replicas
		time.Sleep(time.Minute)
		if got := e.prov.replicas(refA); got != 9 {
			t.Fatalf("under 400 rps: %d, want 9", got)
		}
		e.src.Set("rps", refA, 90) // drop: 2, but only after the 2m down window
		time.Sleep(90 * time.Second)
		if got := e.prov.replicas(refA); got != 9 {
			t.Errorf("90 s after the drop: %d, want still 9 (down window 2m)", got)
		}
		time.Sleep(3 * time.Minute)
		if got := e.prov.replicas(refA); got != 2 {
			t.Errorf("long after the drop: %d, want 2", got)
		}
		f, _ := e.loop.Explain(refA)
		if n := len(f.Decisions); n == 0 || n > DefaultHistorySize {
			t.Errorf("history holds %d decisions, want 1 to the bound %d", n, DefaultHistorySize)
		}
		// Passes that kept the count for the same reason are one record,
		// refreshed; every change of count or reason is its own.
		for i := 1; i < len(f.Decisions); i++ {
			a, b := f.Decisions[i-1], f.Decisions[i]
			if !a.Scale && !b.Scale && a.Code == b.Code && a.Replicas == b.Replicas && a.Current == b.Current && a.Trigger == b.Trigger {
				t.Errorf("two records say the same thing: %+v and %+v", a, b)
			}
		}
	})
}

func TestSeriesFollowLabelChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 2, nil))
		e.src.Set("rps", refA, 90)
		e.src.Set("capacity", refA, 9)
		target := func(typ string) (float64, bool) {
			return e.metric(t, MetricTargetLoad, map[string]string{labelFunction: refA.String(), labelScalingType: typ})
		}
		steps := []struct {
			name       string
			labels     map[string]string
			wantTarget map[string]float64 // scaling_type → value; absent types must have no series
			wantMinMax bool
		}{
			{"defaults", nil, map[string]float64{"rps": 45}, true},
			{"capacity with target 10", map[string]string{LabelType: "capacity", LabelTarget: "10", LabelTargetProportion: "1"}, map[string]float64{"capacity": 10}, true},
			{"step mode exports its alert rate", map[string]string{LabelType: TypeStep}, map[string]float64{TypeStep: StepAlertRate}, true},
			{"invalid labels drop min and max", map[string]string{LabelMin: "x"}, nil, false},
			{"valid again", map[string]string{LabelMax: "9"}, map[string]float64{"rps": 45}, true},
		}
		for _, s := range steps {
			e.prov.set(function(refA, 2, s.labels))
			_ = e.loop.Tick(t.Context(), time.Now())
			for _, typ := range []string{"rps", "capacity", TypeStep} {
				got, ok := target(typ)
				want, wantOK := s.wantTarget[typ]
				if ok != wantOK || got != want {
					t.Errorf("%s: target load{%s} = %v (present %v), want %v (present %v)", s.name, typ, got, ok, want, wantOK)
				}
			}
			if _, ok := e.metric(t, MetricMaxReplicas, fn(refA)); ok != s.wantMinMax {
				t.Errorf("%s: max series present %v, want %v", s.name, ok, s.wantMinMax)
			}
		}
		if v, _ := e.metric(t, MetricMaxReplicas, fn(refA)); v != 9 {
			t.Errorf("max after the label change = %v, want 9", v)
		}
	})
}

// twiceLister lists its provider's functions with the first one named twice.
type twiceLister struct{ Provider }

func (l twiceLister) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	fns, err := l.Provider.Functions(ctx, ns)
	if len(fns) > 0 {
		fns = append(fns, fns[0])
	}
	return fns, err
}

// TestAFunctionGoneIsForgottenWhenAnotherIsListedTwice: a pass looks for
// gone functions when it marked fewer states than the loop holds, counting
// each state once. Seen failing with every listed function counted (b's
// state was kept: the listing's two entries for a made up for it).
func TestAFunctionGoneIsForgottenWhenAnotherIsListedTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, func(c *LoopConfig) { c.Provider = twiceLister{c.Provider} },
			function(refA, 1, nil), function(refB, 1, nil))
		_ = e.loop.Tick(t.Context(), time.Now())
		if _, ok := e.loop.Explain(refB); !ok {
			t.Fatal("b not known after the first pass")
		}
		e.prov.remove(refB)
		_ = e.loop.Tick(t.Context(), time.Now())
		if _, ok := e.loop.Explain(refB); ok {
			t.Error("explain still knows the removed function")
		}
		if _, ok := e.loop.Explain(refA); !ok {
			t.Error("a, listed twice, was forgotten")
		}
	})
}
