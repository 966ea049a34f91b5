package controller

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// replicaHistory answers the keep-alive's replica-history query
// (keepalive.RebuildReplicasQuery) from Prometheus, as it stands when it is
// asked: fn fell to zero from lastFrom the last time; every other query is
// an empty matrix.
type replicaHistory struct {
	fn       string
	lastFrom atomic.Int64
	asked    atomic.Int32
}

func (h *replicaHistory) QueryRange(_ context.Context, query string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if !strings.Contains(query, "gateway_service_count") {
		return model.Matrix{}, nil, nil, nil
	}
	h.asked.Add(1)
	return model.Matrix{{
		Metric: model.Metric{"function_name": model.LabelValue(h.fn)},
		Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(r.End.Add(-time.Minute).UnixNano()), Value: model.SampleValue(h.lastFrom.Load())}},
	}}, nil, nil, nil
}

// A standby's first term. The count a function was last idled from is
// what a pre-warm starts (keepalive.Zeroed). A replica learns those counts
// from Prometheus history when it starts; a later term forgot them (another
// replica may have led since), but the first term kept them, "from the
// whole history" — which for a standby that followed for hours is its
// start's history. Here history said cron was idled from 8; for two hours
// the other leader woke it to 1 for each 10-minute run and idled it from 1;
// then this replica takes over: its pre-warm must start 1, as Prometheus'
// history says now, not 8.
func TestAStandbysFirstTermPreWarmsTheCountOfTheLastIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false // only the idler and the pre-warmer write
		cfg.Defaults.ZeroDuration = 30 * time.Second
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour // the shipped default; testConfig has none
		s := newStack(t, cfg, Wiring{}, fn{name: "cron", replicas: 0,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "auto")})
		base := runStack(t, s)

		hist := &replicaHistory{fn: ref("cron").String()}
		hist.lastFrom.Store(8)
		var leading atomic.Bool
		ctl, err := New(cfg, Wiring{}, Deps{Provider: s.mem, Source: s.src, Registerer: prometheus.NewRegistry(),
			Leading: leading.Load, History: hist})
		if err != nil {
			t.Fatal(err)
		}
		// At start, Learn's rebuild: idled from 8, as history says then.
		// (Its feeder is stopped once the rebuild has ended: the other
		// leader's calls are observed below as the feeder would.)
		learn, stop := context.WithCancel(base)
		learned := make(chan struct{})
		go func() { _ = ctl.Learn(learn); close(learned) }()
		time.Sleep(time.Second)
		stop()
		<-learned
		if _, ok := ctl.KeepAlive.Explain(ref("cron"), cfg.Defaults.ZeroDuration, time.Now()); hist.asked.Load() == 0 || !ok {
			t.Fatalf("control: the start's rebuild never read the replica history, or cron not known (%v)", ok)
		}

		last := anotherLeaderRunsTheTimer(t, s, base, ctl, func() { hist.lastFrom.Store(1) }) // what gateway_service_count shows
		plan, _ := ctl.KeepAlive.Plan(ref("cron"), cfg.Defaults.ZeroDuration, time.Now())
		if plan.PreWarmAt <= 0 {
			t.Fatalf("control: no pre-warm planned for a 10-minute timer: %+v", plan)
		}

		before := hist.asked.Load()
		end := startTerm(base, ctl, &leading)
		time.Sleep(time.Until(last.Add(plan.PreWarmUntil)))
		end()

		var warmed bool
		for _, w := range s.writes("cron") {
			if w.From == 0 && w.To > 0 {
				warmed = true
				if w.To != 1 {
					t.Errorf("the standby's first term pre-warmed cron 0→%d at %s after its last run: the count of its start's "+
						"history, not the 1 Prometheus shows it was last idled from: history %+v",
						w.To, w.At.Sub(last), ctl.Actuator.History(ref("cron")))
				}
			}
		}
		if !warmed {
			t.Fatalf("control: the first term never pre-warmed cron (plan %+v): history %+v", plan, ctl.Actuator.History(ref("cron")))
		}
		if hist.asked.Load() == before {
			t.Errorf("the term never read the replica history")
		}
	})
}

var _ keepalive.RangeQuerier = (*replicaHistory)(nil)
