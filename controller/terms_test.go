package controller

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// unreachable is the memory provider whose reads fail while
// down is set: the API server unreachable, which is also what ends a term
// (the lease cannot be renewed). Listings fail too.
type unreachable struct {
	*memory.Provider
	down *atomic.Bool
}

func (u unreachable) Function(ctx context.Context, r provider.Ref) (provider.Function, error) {
	if u.down.Load() {
		return provider.Function{}, errors.New("dial tcp 10.96.0.1:443: connect: connection refused")
	}
	return u.Provider.Function(ctx, r)
}

func (u unreachable) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	if u.down.Load() {
		return nil, errors.New("dial tcp 10.96.0.1:443: connect: connection refused")
	}
	return u.Provider.Functions(ctx, namespace)
}

// TestAStaleAlertIsNotActedOnInALaterTerm: a signal accepted in one
// term and still queued when the term ended must not be acted on when the
// replica leads again, maybe hours later.
//
// Expected (leader/doc.go: "only one scales: the leader runs the loops";
// scaler.LoopConfig.Leading: "A follower refuses signals (503) instead of
// queueing work it will never do"; the webhook answers 503 so AlertManager
// retries, and the retry goes to the replica that leads then): the
// alert's outcome belongs to the term that accepted it. AlertManager sends
// its retries and the alert's resolution to the leader of the day.
//
// Current: EvaluatePending queues a signal again when the function cannot
// be read (the provider unreachable: the very outage that makes the lease
// overdue), Act ends with it still in Loop.pending, and the first Tick of
// the next term takes it ("Signals still queued … are this pass's to act
// on") as if it had just arrived. A firing alert at zero wakes the function
// with Evidence 0 (the alert's own reading, stamped now), so the actuator
// cannot tell it is an hour old: a function the other leader kept at zero
// (its alert resolved long ago) is woken with no load at all. A wrong
// scaling action, on evidence from a former term.
func TestAStaleAlertIsNotActedOnInALaterTerm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		s := newStack(t, cfg, Wiring{}, fn{name: "w", replicas: 0,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "30s")})
		base := runStack(t, s)

		var leading, down atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: unreachable{s.mem, &down}, Source: s.src, Registerer: reg,
			Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}

		// Term 1.
		end1 := startTerm(base, ctl, &leading)
		time.Sleep(10 * time.Second) // listed, w at zero
		down.Store(true)
		err = ctl.Loop.Notify(base, scaler.Signal{Ref: ref("w"), Status: scaler.Firing, AlertName: "APIHighRequestRate",
			Fingerprint: "f1", StartsAt: time.Now(), Received: time.Now()})
		t.Logf("term 1: Notify = %v", err)
		time.Sleep(3 * time.Second) // the pass tries to read w, fails, queues the signal again
		// The lease cannot be renewed either: the term ends.
		end1()
		down.Store(false)

		// An hour as a follower: the other leader got the alert's
		// resolution and kept w at zero.
		time.Sleep(time.Hour)
		before := len(s.writes("w"))

		// Term 2.
		end2 := startTerm(base, ctl, &leading)
		time.Sleep(5 * time.Second)
		end2()

		if f, ok := ctl.Loop.Explain(ref("w")); ok {
			t.Logf("scaler decisions, newest first: %+v", f.Decisions)
		}
		if ws := s.writes("w")[before:]; len(ws) > 0 {
			t.Errorf("term 2 woke w without load on a firing alert accepted an hour earlier, in term 1: writes %+v; history %+v",
				ws, ctl.Actuator.History(ref("w")))
		}
	})
}

// TestAFormerLeaderExportsNoIdlerGauge: the same defect as the
// scaler's per-function gauges (scaler/metrics.go, fnSeries.snapshot: "A
// replica that does not lead exports no rows"), in the idler's
// faas_autoscaler_idler_functions_at_zero. The shipped dashboard merges the
// replicas with max (dashboards/overview.go, functionsAtZeroPanel:
// `max(faas_autoscaler_idler_functions_at_zero)`, "Functions the idler
// holds at zero replicas"), which holds only if a replica that does not
// lead exports nothing, or 0.
//
// Current: the idler is built without the Leading guard (buildIdler) and
// its gauge keeps the last cycle's count of the term that ended: three
// functions at zero then, one now under the new leader, and the panel
// shows 3 for as long as the former leader runs as a follower. A
// misleading metric only.
func TestAFormerLeaderExportsNoIdlerGauge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		z := labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "10s")
		s := newStack(t, cfg, Wiring{}, fn{name: "a", replicas: 0, labels: z}, fn{name: "b", replicas: 0, labels: z},
			fn{name: "c", replicas: 0, labels: z})
		base := runStack(t, s)

		var leading atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: s.mem, Source: s.src, Registerer: reg, Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		end := startTerm(base, ctl, &leading)
		time.Sleep(20 * time.Second)
		if v, ok := gauge(t, reg, "faas_autoscaler_idler_functions_at_zero"); !ok || v != 3 {
			t.Fatalf("control: while leading, functions_at_zero = %v (present %v), want 3", v, ok)
		}
		end()
		// The new leader (elsewhere) wakes two of them.
		for _, n := range []string{"a", "b"} {
			if err := s.mem.Scale(base, ref(n), 1); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Minute)
		if v, ok := gauge(t, reg, "faas_autoscaler_idler_functions_at_zero"); ok && v != 0 {
			t.Errorf("a replica that no longer leads still exports faas_autoscaler_idler_functions_at_zero = %v, "+
				"its former term's count (1 is at zero now): the dashboard's max() shows it over the leader's", v)
		}
	})
}

// gauge is the value of the unlabelled gauge name in reg, and whether it is
// exported.
func gauge(t *testing.T, reg *prometheus.Registry, name string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// TestAPreWarmInANewTermStartsTheCountOfTheLastIdle: keepalive.PreWarm
// says a pre-warm starts "the count the function had when it was last
// idled", and controller.Learn says it "runs on every replica, leader or
// not, so a follower that takes over is already taught".
//
// Current: the count is told to the policy only by this replica's own
// idler when it idles (idler/act.go, Zeroed), which runs only while this
// replica leads; Learn's feeder teaches a follower the invocations, not the
// idles. A replica whose term idled a function from 8 replicas, then
// followed for two hours while the other leader idled it from 1 again and
// again (its activations now need one replica), pre-warms it to 8 as soon
// as it leads again: a wrong scaling action (7 replicas too many, held for
// the scaler's down window), on state from a former term.
func TestAPreWarmInANewTermStartsTheCountOfTheLastIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false // only the idler and the pre-warmer write
		cfg.Defaults.ZeroDuration = 30 * time.Second
		s := newStack(t, cfg, Wiring{}, fn{name: "cron", replicas: 8,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "auto")})
		base := runStack(t, s)

		var leading atomic.Bool
		ctl, err := New(cfg, Wiring{}, Deps{Provider: s.mem, Source: s.src, Registerer: prometheus.NewRegistry(),
			Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		// Term 1: the idler idles cron from 8.
		end1 := startTerm(base, ctl, &leading)
		time.Sleep(20 * time.Minute) // the auto keep-alive starts at the 15-minute window
		end1()
		if ws := s.writes("cron"); len(ws) != 1 || ws[0].From != 8 || ws[0].To != 0 {
			t.Fatalf("control: term 1 did not idle cron from 8: writes %+v, history %+v", ws, ctl.Actuator.History(ref("cron")))
		}

		// Two hours as a follower. cron became a 10-minute timer needing
		// one replica: the gateway wakes it to 1 for each run and the other
		// leader idles it from 1. The feeder (Learn, on every replica)
		// learns the runs; here they are told to the policy directly.
		last := anotherLeaderRunsTheTimer(t, s, base, ctl, nil)
		plan, _ := ctl.KeepAlive.Plan(ref("cron"), cfg.Defaults.ZeroDuration, time.Now())
		if plan.PreWarmAt <= 0 {
			t.Fatalf("control: no pre-warm planned for a 10-minute timer: %+v", plan)
		}
		before := len(s.writes("cron"))

		// Term 2, up to the end of the pre-warm window.
		end2 := startTerm(base, ctl, &leading)
		time.Sleep(time.Until(last.Add(plan.PreWarmUntil)))
		end2()

		var warmed bool
		for _, w := range s.writes("cron")[before:] {
			if w.From == 0 && w.To > 0 {
				warmed = true
				if w.To != 1 {
					t.Errorf("term 2 pre-warmed cron 0→%d at %s after its last run: the count its own term 1 idled it from, "+
						"not the 1 it was last idled from (by the other leader): history %+v",
						w.To, w.At.Sub(last), ctl.Actuator.History(ref("cron")))
				}
			}
		}
		if !warmed {
			t.Fatalf("control: term 2 never pre-warmed cron (plan %+v): history %+v", plan, ctl.Actuator.History(ref("cron")))
		}
	})
}

// TestAFollowersExplainDoesNotPresentAFormerTermAsCurrent: the
// explain API (README, "HTTP endpoints": "GET /api/v1/functions/{namespace}/{name}
// — one function: its spec (or label error), last observation, recent
// decisions"; explain/doc.go: "current, desired and available replicas")
// answers with the controller's view of now. On a replica that does not
// lead that view is frozen at the end of its last term — the reason the
// scaler's per-function gauges are not exported there (scaler/metrics.go,
// fnSeries.snapshot). The answer must either be current or say it is not
// (refuse, or name the replica as a follower).
//
// Current: a former leader, an hour after its term ended, answers 200 with
// the replica count and decisions of its last term as "replicas" and
// "desired_replicas", and nothing in the answer (no leader field, no
// as-of, no status) tells a reader (`kubectl port-forward` to a pod, the
// demo view) that the other replica has since scaled the function 3→7. A
// misleading answer only: nothing acts on it.
func TestAFollowersExplainDoesNotPresentAFormerTermAsCurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		s := newStack(t, cfg, Wiring{}, fn{name: "api", replicas: 3, labels: labels(scaler.LabelMin, "3")})
		base := runStack(t, s)

		var leading atomic.Bool
		reg := prometheus.NewRegistry()
		ctl, err := New(cfg, Wiring{}, Deps{Provider: s.mem, Source: s.src, Registerer: reg, Leading: leading.Load})
		if err != nil {
			t.Fatal(err)
		}
		mux := Mux(ctl, http.NotFoundHandler(), reg, func() error {
			if !leading.Load() {
				return errors.New("not the leader")
			}
			return nil
		})
		end := startTerm(base, ctl, &leading)
		time.Sleep(30 * time.Second)
		end()
		// The other leader scales it up; an hour passes.
		if err := s.mem.Scale(base, ref("api"), 7); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)

		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/openfaas-fn/api", nil))
		var f struct {
			Replicas        uint64 `json:"replicas"`
			DesiredReplicas uint64 `json:"desired_replicas"`
		}
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &f); err != nil {
				t.Fatal(err)
			}
		}
		body := strings.ToLower(rec.Body.String())
		if rec.Code == http.StatusOK && f.Replicas != 7 && !strings.Contains(body, "leader") && !strings.Contains(body, "follower") {
			t.Errorf("a replica that no longer leads answers 200 with replicas %d, desired %d (the function has 7 now, set by the other leader an hour ago), "+
				"and nothing says the answer is its former term's:\n%s", f.Replicas, f.DesiredReplicas, rec.Body.String())
		}
	})
}

// runStack runs s's simulated gateway and metrics source until the test
// ends, on the context it returns.
func runStack(t *testing.T, s *stack) context.Context {
	t.Helper()
	base, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); wg.Wait() })
	wg.Go(func() { _ = s.gw.Run(base) })
	wg.Go(func() { _ = s.src.Run(base) })
	return base
}

// startTerm makes ctl lead (leading true, Act running on a term of base)
// and returns what ends the term: leading false, Act stopped and returned.
func startTerm(base context.Context, ctl *Controller, leading *atomic.Bool) (end func()) {
	leading.Store(true)
	term, cancel := context.WithCancel(base)
	var wg sync.WaitGroup
	wg.Go(func() { ctl.Act(term) })
	return func() {
		leading.Store(false)
		cancel()
		wg.Wait()
	}
}

// anotherLeaderRunsTheTimer is two hours as a follower while cron runs
// every 10 minutes on one replica: the gateway wakes it to 1 for each run
// and the other leader idles it from 1 (then idled, when set). The feeder
// (Learn, on every replica) learns the runs; here they are told to the
// policy directly. It returns the last run's time.
func anotherLeaderRunsTheTimer(t *testing.T, s *stack, base context.Context, ctl *Controller, idled func()) time.Time {
	t.Helper()
	var last time.Time
	for range 12 {
		time.Sleep(10 * time.Minute)
		last = time.Now()
		ctl.KeepAlive.Observe(ref("cron"), last)
		if err := s.mem.Scale(base, ref("cron"), 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Minute)
		if err := s.mem.Scale(base, ref("cron"), 0); err != nil { // the other leader's idle, from 1
			t.Fatal(err)
		}
		if idled != nil {
			idled()
		}
	}
	return last
}
