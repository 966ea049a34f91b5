package scaler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func queueSpec(t *testing.T, labels map[string]string) Spec {
	t.Helper()
	l := map[string]string{LabelType: "queue", LabelMin: "0", LabelMax: "20", LabelTarget: "50"}
	for k, v := range labels {
		l[k] = v
	}
	s, err := ParseSpec(provider.Function{Ref: provider.Ref{Name: "q", Namespace: "fn"}, Labels: l}, testDefaults())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func f64(v float64) *float64 { return &v }

// TestQueueWake: at zero, a backlog at the activation threshold wakes the
// function to what it needs (all of max for 5,000 messages, no rate limit);
// below it the function stays at zero; the threshold is per function and
// applies to the queue type only.
func TestQueueWake(t *testing.T) {
	now := time.Unix(1e9, 0)
	obs := func(stable, burst float64) Observation {
		return Observation{StableLoad: f64(stable), BurstLoad: f64(burst), StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	}
	for _, tc := range []struct {
		name          string
		labels        map[string]string
		stable, burst float64
		want          uint64
		code          ReasonCode
	}{
		{"one message wakes (default threshold 1)", nil, 0, 1, 1, CodeFromZero},
		{"a fraction of a message does not", nil, 0.5, 0.5, 0, CodeAtZeroIdle},
		{"5000 messages wake to max at once", nil, 100, 5000, 20, CodeFromZero},
		{"threshold 10: 5 messages wait", map[string]string{LabelQueueActivation: "10"}, 5, 5, 0, CodeAtZeroIdle},
		{"threshold 10: 10 messages wake", map[string]string{LabelQueueActivation: "10"}, 10, 10, 1, CodeFromZero},
		{"threshold 0: any backlog wakes", map[string]string{LabelQueueActivation: "0"}, 0, 0.1, 1, CodeFromZero},
		{"rps ignores the queue threshold", map[string]string{LabelType: "rps"}, 0.5, 0.5, 1, CodeFromZero},
	} {
		d := Decide(queueSpec(t, tc.labels), obs(tc.stable, tc.burst), State{}, now)
		if d.Replicas != tc.want || d.Code != tc.code {
			t.Errorf("%s: %d %s (%s), want %d %s", tc.name, d.Replicas, d.Code, d.Reason, tc.want, tc.code)
		}
	}
}

// TestQueueTarget: running, the target is the backlog per replica.
func TestQueueTarget(t *testing.T) {
	now := time.Unix(1e9, 0)
	spec := queueSpec(t, map[string]string{LabelTargetProportion: "1"})
	d := Decide(spec, Observation{Replicas: 4, Available: 4, StableLoad: f64(500), StableWindow: time.Minute, BurstWindow: 10 * time.Second}, State{}, now)
	if d.Replicas != 8 || d.Recommended != 10 {
		t.Fatalf("500 queued at target 50 on 4: %d (%s), want 10 recommended, 8 after the rate limit", d.Replicas, d.Reason)
	}
}

// TestQueueActivationLabel: a bad threshold names the label.
func TestQueueActivationLabel(t *testing.T) {
	for _, v := range []string{"-1", "lots", "+Inf"} {
		_, err := ParseSpec(provider.Function{Ref: provider.Ref{Name: "q", Namespace: "fn"},
			Labels: map[string]string{LabelQueueActivation: v}}, testDefaults())
		var le *LabelError
		if !errors.As(err, &le) || le.Label != LabelQueueActivation || !strings.Contains(err.Error(), v) {
			t.Errorf("%q: %v, want a LabelError naming %s", v, err, LabelQueueActivation)
		}
	}
}

// TestBacklogWakesOtherTypes: an rps function at zero with messages queued
// wakes to its floor; without a backlog, or with one under its threshold,
// it stays at zero.
func TestBacklogWakesOtherTypes(t *testing.T) {
	now := time.Unix(1e9, 0)
	spec := queueSpec(t, map[string]string{LabelType: "rps", LabelMin: "2"})
	zero := f64(0)
	for _, tc := range []struct {
		name   string
		queued *float64
		want   uint64
	}{
		{"3 queued", f64(3), 2},
		{"none queued", f64(0), 0},
		{"backlog unknown", nil, 0},
		{"under the threshold", f64(0.5), 0},
	} {
		d := Decide(spec, Observation{StableLoad: zero, BurstLoad: zero, Queued: tc.queued}, State{}, now)
		if d.Replicas != tc.want {
			t.Errorf("%s: %d (%s), want %d", tc.name, d.Replicas, d.Reason, tc.want)
		}
	}
}

// TestLoopWakesOnBacklog: a pass reads the queue once for the rps function
// at zero and wakes it; a running rps function costs no queue query.
func TestLoopWakesOnBacklog(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 0, map[string]string{LabelMin: "0"}))
	e.src.Set("rps", refA, 0)
	e.src.Set("queue", refA, 4)
	if err := e.loop.Tick(context.Background(), time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
	if got := e.prov.replicas(refA); got != 1 {
		t.Fatalf("rps function at zero with 4 queued: %d replicas, want woken to 1", got)
	}
	n := 0
	for _, q := range e.src.Queries() {
		if q.Type == "queue" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d queue queries in the pass, want 1", n)
	}

	run := newLoopEnv(t, nil, function(refB, 1, nil))
	run.src.Set("rps", refB, 1)
	if err := run.loop.Tick(context.Background(), time.Unix(1e9, 0)); err != nil {
		t.Fatal(err)
	}
	for _, q := range run.src.Queries() {
		if q.Type == "queue" {
			t.Fatalf("queue queried with no function at zero: %v", run.src.Queries())
		}
	}
}
