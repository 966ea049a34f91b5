package memory

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/google/go-cmp/cmp"
)

var figlet = provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}

// replicas reads desired and available replicas of ref.
func replicas(t *testing.T, p *Provider, ref provider.Ref) [2]uint64 {
	t.Helper()
	f, err := p.Function(t.Context(), ref)
	if err != nil {
		t.Fatalf("Function(%s): %v", ref, err)
	}
	return [2]uint64{f.Replicas, f.AvailableReplicas}
}

func mustDeploy(t *testing.T, p *Provider, fn provider.Function) {
	t.Helper()
	if err := p.Deploy(fn); err != nil {
		t.Fatal(err)
	}
}

// TestColdStartProgression scales on virtual time and reads desired and
// available replicas at each step: each replica becomes available ColdStart
// after it was requested, and scaling down removes the newest pending first.
func TestColdStartProgression(t *testing.T) {
	type step struct {
		after time.Duration // virtual time to let pass before this step
		scale *uint64       // Scale to this count, when set
		want  [2]uint64     // desired, available after the step
	}
	n := func(v uint64) *uint64 { return &v }
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "scale up becomes available after the cold start", steps: []step{
			{want: [2]uint64{1, 1}},
			{scale: n(3), want: [2]uint64{3, 1}},
			{after: 9 * time.Second, want: [2]uint64{3, 1}},
			{after: time.Second, want: [2]uint64{3, 3}},
		}},
		{name: "staggered requests become available one by one", steps: []step{
			{scale: n(2), want: [2]uint64{2, 1}},
			{after: 5 * time.Second, scale: n(3), want: [2]uint64{3, 1}},
			{after: 5 * time.Second, want: [2]uint64{3, 2}},
			{after: 5 * time.Second, want: [2]uint64{3, 3}},
		}},
		{name: "scale down drops pending replicas first", steps: []step{
			{scale: n(4), want: [2]uint64{4, 1}},
			{after: 5 * time.Second, scale: n(2), want: [2]uint64{2, 1}},
			{after: 5 * time.Second, want: [2]uint64{2, 2}},
		}},
		{name: "scale down of ready replicas is immediate", steps: []step{
			{scale: n(3), want: [2]uint64{3, 1}},
			{after: 10 * time.Second, want: [2]uint64{3, 3}},
			{scale: n(1), want: [2]uint64{1, 1}},
			{scale: n(0), want: [2]uint64{0, 0}},
		}},
		{name: "from zero waits the cold start", steps: []step{
			{scale: n(0), want: [2]uint64{0, 0}},
			{after: time.Minute, scale: n(1), want: [2]uint64{1, 0}},
			{after: 10 * time.Second, want: [2]uint64{1, 1}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(clock.Real(), Options{ColdStart: 10 * time.Second})
				mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
				for i, s := range tc.steps {
					time.Sleep(s.after)
					if s.scale != nil {
						if err := p.Scale(t.Context(), figlet, *s.scale); err != nil {
							t.Fatalf("step %d: Scale: %v", i, err)
						}
					}
					if got := replicas(t, p, figlet); got != s.want {
						t.Errorf("step %d: (desired, available) = %v, want %v", i, got, s.want)
					}
				}
			})
		})
	}
}

func TestDeployCold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(clock.Real(), Options{ColdStart: 3 * time.Second})
		if err := p.DeployCold(provider.Function{Ref: figlet, Replicas: 2}); err != nil {
			t.Fatal(err)
		}
		if got := replicas(t, p, figlet); got != [2]uint64{2, 0} {
			t.Errorf("just deployed: %v, want [2 0]", got)
		}
		time.Sleep(3 * time.Second)
		if got := replicas(t, p, figlet); got != [2]uint64{2, 2} {
			t.Errorf("after the cold start: %v, want [2 2]", got)
		}
	})
}

func TestScaleOutcomes(t *testing.T) {
	tests := []struct {
		name         string
		opts         Options
		ref          provider.Ref
		replicas     uint64
		wantDesired  uint64
		wantRefused  bool
		wantNotFound bool
	}{
		{name: "zero allowed by default", ref: figlet, replicas: 0, wantDesired: 0},
		{name: "refuse zero like OpenFaaS CE", opts: Options{RefuseZero: true}, ref: figlet, replicas: 0, wantDesired: 2, wantRefused: true},
		{name: "refuse zero still allows other counts", opts: Options{RefuseZero: true}, ref: figlet, replicas: 1, wantDesired: 1},
		{name: "max replicas caps without an error", opts: Options{MaxReplicas: 5}, ref: figlet, replicas: 9, wantDesired: 5},
		{name: "unknown function", ref: provider.Ref{Name: "nope", Namespace: "openfaas-fn"}, replicas: 1, wantNotFound: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := New(clock.Real(), tc.opts)
				mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 2})
				err := p.Scale(t.Context(), tc.ref, tc.replicas)
				var refused *provider.RefusedError
				switch {
				case tc.wantRefused:
					if !errors.As(err, &refused) || !provider.IsZeroRefused(err) || refused.Message != ZeroRefusedMessage {
						t.Fatalf("err = %v, want a zero refusal", err)
					}
				case tc.wantNotFound:
					if !errors.Is(err, provider.ErrNotFound) {
						t.Fatalf("err = %v, want ErrNotFound", err)
					}
					return
				case err != nil:
					t.Fatal(err)
				}
				if got := replicas(t, p, figlet)[0]; got != tc.wantDesired {
					t.Errorf("desired = %d, want %d", got, tc.wantDesired)
				}
				calls := p.Calls()
				if len(calls) != 1 || calls[0].To != tc.wantDesired || calls[0].From != 2 || calls[0].Requested != tc.replicas {
					t.Errorf("calls = %+v", calls)
				}
			})
		})
	}
}

func TestCallsRecordEveryScale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(clock.Real(), Options{})
		mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
		start := time.Now()
		injected := errors.New("gateway down")
		p.FailScale(figlet, 1, injected)

		_ = p.Scale(t.Context(), figlet, 3) // injected failure
		time.Sleep(time.Second)
		_ = p.Scale(t.Context(), figlet, 3)
		time.Sleep(time.Second)
		_ = p.Scale(t.Context(), figlet, 3) // same count: a recorded no-op

		want := []ScaleCall{
			{Ref: figlet, From: 1, To: 1, Requested: 3, At: start, Err: injected},
			{Ref: figlet, From: 1, To: 3, Requested: 3, At: start.Add(time.Second)},
			{Ref: figlet, From: 3, To: 3, Requested: 3, At: start.Add(2 * time.Second)},
		}
		got := p.Calls()
		if d := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return a == b })); d != "" {
			t.Errorf("Calls (-want +got):\n%s", d)
		}
		var changed []bool
		for _, c := range got {
			changed = append(changed, c.Changed())
		}
		if d := cmp.Diff([]bool{false, true, false}, changed); d != "" {
			t.Errorf("Changed (-want +got):\n%s", d)
		}
		p.ResetCalls()
		if len(p.Calls()) != 0 {
			t.Error("ResetCalls kept calls")
		}
	})
}

func TestInjectedFaults(t *testing.T) {
	boom := errors.New("boom")
	p := New(clock.Real(), Options{})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
	other := provider.Ref{Name: "other", Namespace: "openfaas-fn"}
	mustDeploy(t, p, provider.Function{Ref: other, Replicas: 1})

	p.FailScale(figlet, 2, boom)
	p.FailFunction(figlet, 1, boom)
	p.FailLists(1, boom)

	results := []struct {
		name string
		err  error
	}{}
	record := func(name string, err error) {
		results = append(results, struct {
			name string
			err  error
		}{name, err})
	}
	record("scale other", p.Scale(t.Context(), other, 2))
	record("scale 1", p.Scale(t.Context(), figlet, 2))
	record("scale 2", p.Scale(t.Context(), figlet, 2))
	record("scale 3", p.Scale(t.Context(), figlet, 2))
	_, err := p.Function(t.Context(), figlet)
	record("function 1", err)
	_, err = p.Function(t.Context(), figlet)
	record("function 2", err)
	_, err = p.Namespaces(t.Context())
	record("namespaces", err)
	_, err = p.Functions(t.Context(), "openfaas-fn")
	record("functions", err)

	want := map[string]error{"scale 1": boom, "scale 2": boom, "function 1": boom, "namespaces": boom}
	for _, r := range results {
		if r.err != want[r.name] {
			t.Errorf("%s: err = %v, want %v", r.name, r.err, want[r.name])
		}
	}
}

func TestListingIsSortedAndCopied(t *testing.T) {
	p := New(clock.Real(), Options{})
	for _, ref := range []provider.Ref{
		{Name: "zeta", Namespace: "openfaas-fn"}, {Name: "alpha", Namespace: "openfaas-fn"},
		{Name: "mid", Namespace: "dev"}, {Name: "beta", Namespace: "openfaas-fn"},
	} {
		mustDeploy(t, p, provider.Function{Ref: ref, Labels: map[string]string{"k": "v"}})
	}
	nss, err := p.Namespaces(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"dev", "openfaas-fn"}, nss); d != "" {
		t.Errorf("Namespaces (-want +got):\n%s", d)
	}
	fns, err := p.Functions(t.Context(), "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fns {
		names = append(names, f.Name)
	}
	if d := cmp.Diff([]string{"alpha", "beta", "zeta"}, names); d != "" {
		t.Errorf("Functions (-want +got):\n%s", d)
	}
	fns[0].Labels["k"] = "changed by the caller"
	again, _ := p.Function(t.Context(), provider.Ref{Name: "alpha", Namespace: "openfaas-fn"})
	if again.Labels["k"] != "v" {
		t.Errorf("caller's change leaked into the provider: %v", again.Labels)
	}
	if empty, err := p.Functions(t.Context(), "nowhere"); err != nil || len(empty) != 0 {
		t.Errorf("unknown namespace: %v, %v; want none", empty, err)
	}
}

func TestEditsAndRemove(t *testing.T) {
	p := New(clock.Real(), Options{})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 2, Labels: map[string]string{"a": "1"}})
	labels := map[string]string{"com.openfaas.scale.zero": "true"}
	if err := p.SetLabels(figlet, labels); err != nil {
		t.Fatal(err)
	}
	labels["com.openfaas.scale.zero"] = "false" // the provider kept a copy
	if err := p.SetAnnotations(figlet, map[string]string{"note": "x"}); err != nil {
		t.Fatal(err)
	}
	f, _ := p.Function(t.Context(), figlet)
	if f.CreatedAt.IsZero() {
		t.Error("Deploy left CreatedAt zero")
	}
	want := provider.Function{
		Ref: figlet, Labels: map[string]string{"com.openfaas.scale.zero": "true"},
		Annotations: map[string]string{"note": "x"}, Replicas: 2, AvailableReplicas: 2, CreatedAt: f.CreatedAt,
	}
	if d := cmp.Diff(want, f); d != "" {
		t.Errorf("Function (-want +got):\n%s", d)
	}
	if err := p.Remove(figlet); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Remove":         p.Remove(figlet),
		"SetLabels":      p.SetLabels(figlet, nil),
		"SetAnnotations": p.SetAnnotations(figlet, nil),
	} {
		if !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("%s after Remove: %v, want ErrNotFound", name, err)
		}
	}
	if _, err := p.Function(t.Context(), figlet); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Function after Remove: %v", err)
	}
}

func TestDeployRejectsIncompleteRefs(t *testing.T) {
	p := New(clock.Real(), Options{})
	for _, ref := range []provider.Ref{{Namespace: "openfaas-fn"}, {Name: "f"}} {
		if err := p.Deploy(provider.Function{Ref: ref}); err == nil {
			t.Errorf("Deploy(%+v) accepted", ref)
		}
	}
}

func TestCancelledContextIsNotRecorded(t *testing.T) {
	p := New(clock.Real(), Options{})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := p.Scale(ctx, figlet, 3); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if len(p.Calls()) != 0 || replicas(t, p, figlet)[0] != 1 {
		t.Error("a cancelled call changed the provider")
	}
}

func TestConcurrentUse(t *testing.T) {
	p := New(clock.Real(), Options{ColdStart: time.Millisecond})
	mustDeploy(t, p, provider.Function{Ref: figlet, Replicas: 1})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				_ = p.Scale(context.Background(), figlet, uint64((i+j)%5))
				_, _ = p.Function(context.Background(), figlet)
				_, _ = provider.All(context.Background(), p)
			}
		})
	}
	wg.Wait()
	if got := len(p.Calls()); got != 400 {
		t.Errorf("recorded %d calls, want 400", got)
	}
}
