package idler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A provider refusing zero: one error log per function, a metric per refusal,
// and no new attempt before the back-off.
func TestRefusedZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-time.Hour)
		e := newEnvOn(t, memory.Options{RefuseZero: true}, Config{RefusedBackoff: time.Hour},
			function("a", 1, old, optIn()), function("b", 1, old, optIn()))
		for range 10 { // 10 cycles over 5 minutes
			e.d.RunOnce(t.Context(), time.Now())
			time.Sleep(30 * time.Second)
		}
		if got := len(e.p.calls()); got != 2 {
			t.Fatalf("scale calls = %d, want 2 (one per function)", got)
		}
		if got := strings.Count(e.log.String(), "provider refuses to scale to zero"); got != 2 {
			t.Errorf("refusal logged %d times, want 2:\n%s", got, e.log.String())
		}
		rep := e.d.RunOnce(t.Context(), time.Now())
		if v := verdictOf(rep, ref("a")); v.Code != CodeRefused || !v.Idle {
			t.Errorf("verdict %+v, want refused", v)
		}
		time.Sleep(time.Hour)
		e.d.RunOnce(t.Context(), time.Now())
		if got := len(e.p.calls()); got != 4 {
			t.Fatalf("scale calls after back-off = %d, want 4", got)
		}
		if got := strings.Count(e.log.String(), "provider refuses to scale to zero"); got != 2 {
			t.Errorf("refusal logged %d times after the retry, want still 2", got)
		}
		if got := testutil.ToFloat64(e.d.m.refused); got != 4 {
			t.Errorf("refused_total = %v, want 4", got)
		}
	})
}

// A dry run (enforced by the actuator) logs what it would do once per
// function, not once per cycle, and changes nothing.
func TestDryRunLogsOnce(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	e := newEnv(t, Config{MaintainMin: true}, function("a", 1, old, optIn()), function("b", 0, old, nil))
	ac := actuator.Default()
	ac.Provider, ac.DryRun, ac.Logger = e.p, true, newTextLogger(e.log)
	act, err := actuator.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	e.d.cfg.Actuator = act
	for range 5 {
		e.d.RunOnce(t.Context(), time.Now())
	}
	logs := e.log.String()
	if n := strings.Count(logs, "dry run: would scale"); n != 2 {
		t.Errorf("would-scale logged %d times, want 2 (to zero, restore):\n%s", n, logs)
	}
	if n := strings.Count(logs, "to=0 by=idler"); n != 1 {
		t.Errorf("would-scale to zero logged %d times, want 1:\n%s", n, logs)
	}
	if n := strings.Count(logs, "to=1 by=restore"); n != 1 {
		t.Errorf("would-restore logged %d times, want 1:\n%s", n, logs)
	}
	if len(e.p.calls()) != 0 {
		t.Errorf("dry run scaled: %+v", e.p.calls())
	}
}

// Scale calls run at most the actuator's Workers at a time, so a cycle
// idling many functions against a slow provider takes ⌈n/workers⌉ calls'
// time, and the idler proposes them all at once rather than one by one.
func TestScaleConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-time.Hour)
		var fns []provider.Function
		for i := range 20 {
			fns = append(fns, function(fmt.Sprintf("f%02d", i), 1, old, optIn()))
		}
		e := newEnv(t, Config{}, fns...)
		ac := actuator.Default()
		ac.Provider, ac.Workers = e.p, 4
		act, err := actuator.New(ac)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = act.Run(ctx) }()
		synctest.Wait()
		e.d.cfg.Actuator = act
		for _, fn := range fns {
			e.p.SetDelay(fn.Ref, time.Second)
		}
		start := time.Now()
		rep := e.d.RunOnce(t.Context(), start)
		if len(rep.Idled) != 20 {
			t.Fatalf("idled %d, want 20", len(rep.Idled))
		}
		if took := time.Since(start); took != 5*time.Second {
			t.Errorf("cycle took %s, want 5s (20 calls of 1s, 4 at a time)", took)
		}
		if e.p.Peak() != 4 {
			t.Errorf("peak concurrent scale calls %d, want 4", e.p.Peak())
		}
		for i, r := range rep.Idled { // reported in listing order
			if r.Name != fmt.Sprintf("f%02d", i) {
				t.Fatalf("Idled[%d] = %s", i, r)
			}
		}
	})
}
