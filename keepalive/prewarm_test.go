package keepalive

import (
	"context"
	"errors"
	"fmt"
	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"maps"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The pre-warm loop is an explain API section.
var _ explain.Section = (*PreWarmer)(nil)

var autoLabels = map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "auto"}

// TestPreWarmerLoop: on virtual time, a function that ran every 30 minutes
// and sits at zero is scaled to one when its pre-warm window opens (not
// before), once; a function without the auto opt-in is never touched.
func TestPreWarmerLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{ColdStart: 2 * time.Second})
		timer := provider.Ref{Name: "timer", Namespace: "openfaas-fn"}
		fixed := provider.Ref{Name: "fixed", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: timer, Labels: autoLabels})
		prov.Deploy(provider.Function{Ref: fixed, Labels: map[string]string{"com.openfaas.scale.zero": "true"}})
		pol, _ := New(Default())
		for i := 20; i >= 0; i-- { // invocations every 30 min, the last one now
			pol.Observe(timer, start.Add(-time.Duration(i)*30*time.Minute))
			pol.Observe(fixed, start.Add(-time.Duration(i)*30*time.Minute))
		}
		reg := prometheus.NewRegistry()
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov), Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go w.Run(ctx)

		plan, _ := pol.Plan(timer, 15*time.Minute, start)
		if plan.Code != CodePeriodic {
			t.Fatalf("plan %s, want periodic", plan.Code)
		}
		time.Sleep(plan.PreWarmAt - 15*time.Second)
		synctest.Wait()
		if got := replicas(t, prov, timer); got != 0 {
			t.Fatalf("%d replicas before the window (%s), want 0", got, plan.PreWarmAt)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if got := replicas(t, prov, timer); got != 1 {
			t.Fatalf("%d replicas inside the window, want 1 (pre-warmed)", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		cancel()
		if n := testutil.ToFloat64(w.scaled.WithLabelValues("ok")); n != 1 {
			t.Errorf("prewarms_total{ok} = %v, want 1 (once per window)", n)
		}
		if got := replicas(t, prov, fixed); got != 0 {
			t.Errorf("function without zero-duration auto has %d replicas, want 0", got)
		}
	})
}

// TestPreWarmerStartsTheIdledCount: a pre-warm starts the count the idler
// scaled the function to zero from, bounded by its max label; one when the
// idler has not said.
func TestPreWarmerStartsTheIdledCount(t *testing.T) {
	start := time.Now()
	prov := memory.New(clock.Real(), memory.Options{})
	capped := map[string]string{"com.openfaas.scale.max": "2"}
	for k, v := range autoLabels {
		capped[k] = v
	}
	fns := map[string]struct {
		labels map[string]string
		zeroed uint64
		want   uint64
	}{"three": {autoLabels, 3, 3}, "capped": {capped, 5, 2}, "untold": {autoLabels, 0, 1}}
	cfg := Default()
	cfg.PreWarmShare = 1 // all three at once
	pol, _ := New(cfg)
	for name, f := range fns {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: ref, Labels: f.labels})
		for i := 20; i >= 0; i-- {
			pol.Observe(ref, start.Add(-time.Duration(i)*30*time.Minute))
		}
		pol.Zeroed(ref, f.zeroed)
	}
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := pol.Plan(provider.Ref{Name: "three", Namespace: "openfaas-fn"}, 15*time.Minute, start)
	rep := w.RunOnce(t.Context(), start.Add(plan.PreWarmAt+time.Second))
	if len(rep.Scaled) != len(fns) {
		t.Fatalf("pre-warmed %d functions, want %d (%+v)", len(rep.Scaled), len(fns), rep)
	}
	for name, f := range fns {
		if got := replicas(t, prov, provider.Ref{Name: name, Namespace: "openfaas-fn"}); got != f.want {
			t.Errorf("%s idled from %d: pre-warmed to %d, want %d", name, f.zeroed, got, f.want)
		}
	}
	if e, _ := pol.Explain(provider.Ref{Name: "three", Namespace: "openfaas-fn"}, 15*time.Minute, start); e.PreWarmReplicas != 3 {
		t.Errorf("explain says a pre-warm starts %d, want 3", e.PreWarmReplicas)
	}
}

func replicas(t *testing.T, p *memory.Provider, ref provider.Ref) uint64 {
	t.Helper()
	fn, err := p.Function(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return fn.Replicas
}

func TestPreWarmerScaleFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		ref := provider.Ref{Name: "timer", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: ref, Labels: autoLabels})
		prov.FailScale(ref, 1, errors.New("gateway down"))
		pol, _ := New(Default())
		for i := 20; i >= 0; i-- {
			pol.Observe(ref, now.Add(-time.Duration(i)*time.Hour))
		}
		w, _ := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		time.Sleep(time.Hour)
		rep := w.RunOnce(context.Background(), time.Now())
		if len(rep.Scaled) != 0 || rep.Failures[ref] == nil {
			t.Fatalf("report %+v, want the failure recorded", rep)
		}
		// The actuator backs off this function for a second after the failure.
		time.Sleep(10 * time.Second)
		if rep = w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 {
			t.Errorf("the next pass did not retry: %+v", rep)
		}
	})
}

func TestNewPreWarmerValidates(t *testing.T) {
	_, err := NewPreWarmer(PreWarmerConfig{})
	want := "keepalive: pre-warmer needs a Policy\nkeepalive: pre-warmer needs a Provider\nkeepalive: pre-warmer needs an Actuator"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestExplain(t *testing.T) {
	now := time.Now()
	prov := memory.New(clock.Real(), memory.Options{})
	ref := provider.Ref{Name: "timer", Namespace: "openfaas-fn"}
	prov.Deploy(provider.Function{Ref: ref, Labels: autoLabels})
	pol, _ := New(Default())
	for i := 20; i >= 0; i-- {
		pol.Observe(ref, now.Add(-time.Duration(i)*time.Hour))
	}
	w, _ := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
	if _, ok := w.Explain(provider.Ref{Name: "other", Namespace: "openfaas-fn"}); ok {
		t.Error("Explain knows a function it never saw")
	}
	w.RunOnce(context.Background(), now.Add(time.Hour))
	got, ok := pol.Explain(ref, 15*time.Minute, now.Add(time.Hour))
	if !ok || got.Code != CodePeriodic || got.IdleTimes != 20 || !got.WarmNow || got.PreWarmFrom.After(now.Add(time.Hour)) {
		t.Errorf("explanation %+v", got)
	}
	if e, _ := w.Explain(ref); e.(Explanation).PreWarmedUntil.IsZero() {
		t.Error("the loop's pre-warm is not in the explanation")
	}
}

// newActuator is the one writer of replicas over p: the pre-warmer proposes.
func newActuator(t testing.TB, p provider.Provider) *actuator.Actuator {
	t.Helper()
	c := actuator.Default()
	c.Provider = p
	a, err := actuator.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPreWarmerReadsChangedLabels: a pass keeps each function's parse while
// its labels do not change; a function relabelled out of the auto opt-in,
// or whose labels new defaults refuse, is not pre-warmed when its window
// opens.
func TestPreWarmerReadsChangedLabels(t *testing.T) {
	for _, change := range []string{"relabel", "defaults"} {
		t.Run(change, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				now := time.Now()
				prov := memory.New(clock.Real(), memory.Options{})
				changed := provider.Ref{Name: "changed", Namespace: "openfaas-fn"}
				kept := provider.Ref{Name: "kept", Namespace: "openfaas-fn"}
				prov.Deploy(provider.Function{Ref: changed, Labels: map[string]string{"com.openfaas.scale.zero": "true",
					"com.openfaas.scale.zero-duration": "auto", "com.openfaas.scale.min": "5"}})
				prov.Deploy(provider.Function{Ref: kept, Labels: autoLabels})
				cfg := Default()
				cfg.PreWarmShare = 1 // every function due may be pre-warmed at once
				pol, _ := New(cfg)
				for i := 20; i >= 0; i-- { // a timer every hour, the last run now
					pol.Observe(changed, now.Add(-time.Duration(i)*time.Hour))
					pol.Observe(kept, now.Add(-time.Duration(i)*time.Hour))
				}
				w, _ := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
				if rep := w.RunOnce(context.Background(), now); len(rep.Scaled) != 0 {
					t.Fatalf("pre-warmed right after the run: %+v", rep.Scaled)
				}
				switch change {
				case "relabel":
					if err := prov.SetLabels(changed, map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "5m"}); err != nil {
						t.Fatal(err)
					}
				case "defaults":
					d := w.cfg.Defaults
					d.Max = 3 // below its min: its labels no longer parse
					w.SetDefaults(d)
				}
				time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window (lead 30 s)
				rep := w.RunOnce(context.Background(), time.Now())
				if len(rep.Scaled) != 1 || rep.Scaled[0].Ref != kept {
					t.Errorf("pre-warmed %+v in the window, want only %s", rep.Scaled, kept)
				}
			})
		})
	}
}

// intentSpy records the intents it is given and applies them through a.
type intentSpy struct {
	a       Actuator
	intents []actuator.Intent
}

func (s *intentSpy) Apply(ctx context.Context, in actuator.Intent) actuator.Outcome {
	s.intents = append(s.intents, in)
	return s.a.Apply(ctx, in)
}

// A pre-warm proposes one replica with the function's max from its labels,
// so the actuator can hold the write to it.
//
// Seen failing: with the max read from the pass's kept specs dropped (0
// sent), the intents carry 0.
func TestPreWarmerSendsTheFunctionsMax(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		refs := []provider.Ref{{Name: "seven", Namespace: "openfaas-fn"}, {Name: "default", Namespace: "openfaas-fn"}}
		seven := maps.Clone(autoLabels)
		seven["com.openfaas.scale.max"] = "7"
		prov.Deploy(provider.Function{Ref: refs[0], Labels: seven})
		prov.Deploy(provider.Function{Ref: refs[1], Labels: autoLabels})
		cfg := Default()
		cfg.PreWarmShare = 1
		pol, _ := New(cfg)
		for i := 20; i >= 0; i-- {
			for _, ref := range refs {
				pol.Observe(ref, now.Add(-time.Duration(i)*time.Hour))
			}
		}
		spy := &intentSpy{a: newActuator(t, prov)}
		w, _ := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: spy})
		time.Sleep(time.Hour - 15*time.Second)
		if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 2 {
			t.Fatalf("pre-warmed %+v, want both", rep.Scaled)
		}
		want := map[provider.Ref]uint64{refs[0]: 7, refs[1]: scaler.DefaultDefaults().Max}
		for _, in := range spy.intents {
			if in.Max != want[in.Ref] || in.To != 1 {
				t.Errorf("intent %s → %d with max %d, want → 1 with max %d", in.Ref, in.To, in.Max, want[in.Ref])
			}
		}
	})
}

// TestPreWarmerKeepsNothingForFunctionsNotAsking: a pass keeps a parse only
// for functions that carry the zero-duration label, the only way to ask
// for the adaptive keep-alive; one that drops the label is forgotten.
//
// Seen failing without the lookup in specOf: 201 parses kept.
func TestPreWarmerKeepsNothingForFunctionsNotAsking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		prov := memory.New(clock.Real(), memory.Options{})
		asking := provider.Ref{Name: "asking", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: asking, Labels: autoLabels})
		for i := range 200 {
			prov.Deploy(provider.Function{Ref: provider.Ref{Name: fmt.Sprintf("plain-%d", i), Namespace: "openfaas-fn"},
				Labels: map[string]string{"com.openfaas.scale.zero": "true"}})
		}
		pol, _ := New(Default())
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		w.RunOnce(context.Background(), time.Now())
		if n := len(w.specs); n != 1 || w.specs[asking] == nil || !w.specs[asking].want {
			t.Fatalf("kept %d parses (asking: %+v); want only the asking function's", n, w.specs[asking])
		}
		if err := prov.SetLabels(asking, map[string]string{"com.openfaas.scale.zero": "true"}); err != nil {
			t.Fatal(err)
		}
		w.RunOnce(context.Background(), time.Now())
		if n := len(w.specs); n != 0 {
			t.Errorf("kept %d parses after the label was dropped; want 0", n)
		}
	})
}

// TestPreWarmerKeepsOnlyASmallAtZeroList: a pass's list of functions at
// zero is kept for the next pass, emptied (no function's name left in it),
// and not kept at all for a fleet larger than keptAtZero; every pass still
// counts every function at zero.
func TestPreWarmerKeepsOnlyASmallAtZeroList(t *testing.T) {
	for _, n := range []int{10, keptAtZero + 1} {
		prov := memory.New(clock.Real(), memory.Options{})
		for i := range n {
			prov.Deploy(provider.Function{Ref: provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: "openfaas-fn"}, Labels: autoLabels})
		}
		pol, _ := New(Default())
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		for pass := range 2 {
			if rep := w.RunOnce(t.Context(), time.Now()); rep.AtZero != n {
				t.Fatalf("%d functions, pass %d: %d at zero", n, pass, rep.AtZero)
			}
			if kept := w.atZero != nil; kept != (n <= keptAtZero) {
				t.Fatalf("%d functions, pass %d: at-zero list kept %v", n, pass, kept)
			}
			if len(w.atZero) != 0 {
				t.Fatalf("%d functions: kept list has %d entries, want none", n, len(w.atZero))
			}
			for i, ref := range w.atZero[:cap(w.atZero)] {
				if ref != (provider.Ref{}) {
					t.Fatalf("%d functions: kept list still names %s at %d", n, ref, i)
				}
			}
		}
	}
}

// scriptedLister lists the functions it is given, in that order.
type scriptedLister struct{ fns []provider.Function }

func (l *scriptedLister) Namespaces(context.Context) ([]string, error) {
	return []string{"openfaas-fn"}, nil
}

func (l *scriptedLister) Functions(context.Context, string) ([]provider.Function, error) {
	return l.fns, nil
}

// TestPreWarmerReadsEachFunctionsOwnEntry: a pass reads a function's kept
// parse at its place in the last listing only when the ref there is its
// own; listings that drop, reorder and bring back functions get each
// function's own answer, and a function no longer listed is forgotten. a
// and b share one labels map (as functions deployed from one template may).
// Seen failing with the ref comparison left out of specOf's first look (the
// second pass read b as a, kept a and forgot b), and with the forgetting
// skipped whatever the count (a kept after it went).
func TestPreWarmerReadsEachFunctionsOwnEntry(t *testing.T) {
	ref := func(n string) provider.Ref { return provider.Ref{Name: n, Namespace: "openfaas-fn"} }
	fixed := map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "10m"}
	a := provider.Function{Ref: ref("a"), Labels: autoLabels}
	b := provider.Function{Ref: ref("b"), Labels: autoLabels}
	c := provider.Function{Ref: ref("c"), Labels: map[string]string{"com.openfaas.scale.zero": "true"}}
	d := provider.Function{Ref: ref("d"), Labels: fixed} // asks for a fixed zero-duration: kept, not pre-warmed
	pol, _ := New(Default())
	l := &scriptedLister{}
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: l, Actuator: &intentSpy{}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, step := range []struct {
		list   []provider.Function
		atZero int
		kept   []string
	}{
		{[]provider.Function{a, b, c, d}, 2, []string{"a", "b", "d"}},
		{[]provider.Function{a, b, c, d}, 2, []string{"a", "b", "d"}},
		{[]provider.Function{b, c, d}, 1, []string{"b", "d"}},
		{[]provider.Function{d, b, a}, 2, []string{"a", "b", "d"}},
		{[]provider.Function{a, c}, 1, []string{"a"}},
	} {
		l.fns = step.list
		rep := w.RunOnce(t.Context(), now.Add(time.Duration(i)*10*time.Second))
		if rep.AtZero != step.atZero {
			t.Errorf("pass %d: %d opted-in functions at zero, want %d", i, rep.AtZero, step.atZero)
		}
		var kept []string
		for r := range w.specs {
			kept = append(kept, r.Name)
		}
		slices.Sort(kept)
		if !slices.Equal(kept, step.kept) {
			t.Errorf("pass %d: kept parses of %v, want %v", i, kept, step.kept)
		}
	}
}
