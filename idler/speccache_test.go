package idler

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The labels' parse is reused across cycles only while the labels and the
// defaults are those it was made from.
func TestCycleSeesLabelAndDefaultChanges(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{}, function("f", 2, old, map[string]string{LabelZero: "false"}),
		function("g", 2, old, map[string]string{LabelZero: "true"}))
	now := time.Now()
	e.src.invoke(ref("g")) // active: its verdict says when it would idle
	if rep := e.d.RunOnce(t.Context(), now); len(rep.Idled) != 0 {
		t.Fatalf("idled %v", rep.Idled)
	}
	if err := e.p.SetLabels(ref("f"), optIn(LabelZeroDuration, "5m")); err != nil {
		t.Fatal(err)
	}
	rep := e.d.RunOnce(t.Context(), now.Add(time.Minute))
	if v := verdictOf(rep, ref("f")); v.Code == CodeNotOptedIn {
		t.Errorf("f opted in by its new labels, verdict %s: %s", v.Code, v.Reason)
	}
	d := scaler.DefaultDefaults()
	d.ZeroDuration = time.Hour
	if err := e.d.SetTuning(d, false, e.d.cfg.RefusedBackoff, e.d.cfg.Schedule); err != nil {
		t.Fatal(err)
	}
	rep = e.d.RunOnce(t.Context(), now.Add(2*time.Minute))
	if v := verdictOf(rep, ref("g")); v.WouldIdleAt.IsZero() || v.WouldIdleAt.Before(now.Add(50*time.Minute)) {
		t.Errorf("g with the default keep-alive now 1h: verdict %s would idle at %v: %s", v.Code, v.WouldIdleAt, v.Reason)
	}
}

// A cycle looks for a scheduled minimum only in labels that have one, as
// last parsed: a function given one (label or annotation) is held by it
// from the next cycle.
func TestCycleSeesAScheduleAddedLater(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	for _, as := range []string{"label", "annotation"} {
		t.Run(as, func(t *testing.T) {
			e := newEnv(t, Config{}, function("f", 0, old, optIn()))
			now := time.Now()
			if v := verdictOf(e.d.RunOnce(t.Context(), now), ref("f")); v.Code == CodeScheduledMin {
				t.Fatalf("no schedule yet, verdict %s: %s", v.Code, v.Reason)
			}
			fn := function("f", 0, old, optIn())
			if as == "label" {
				fn.Labels = optIn(MinScheduleLabel, "* * * * * for 1h = 2")
			} else {
				fn.Annotations = map[string]string{MinScheduleLabel: "* * * * * for 1h = 2"}
			}
			if err := e.p.Deploy(fn); err != nil {
				t.Fatal(err)
			}
			if v := verdictOf(e.d.RunOnce(t.Context(), now.Add(time.Minute)), ref("f")); v.Code != CodeScheduledMin {
				t.Errorf("schedule added as a %s, verdict %s: %s", as, v.Code, v.Reason)
			}
		})
	}
}
