package idler

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// quietLoadSource is the idler's fake source with a load of 0 for every
// function it has seen called (a function idle for hours: its series exist,
// its rate is 0), so the scaler can run over it too.
type quietLoadSource struct{ *fakeSource }

func (s quietLoadSource) Load(_ context.Context, _ metricsource.LoadQuery) (metricsource.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := metricsource.Values{}
	for r := range s.last {
		out[r] = 0
	}
	return out, nil
}

// TestRestoreAheadIsKeptByTheScaler: the idler raises a function at zero
// to its scheduled minimum in the last cycle before the minimum starts
// (restoreAhead), "so that its replicas are ready then". The scaler, which
// runs beside it, saw no active minimum yet and no load through MinFloor,
// and scaled the raised function down again at its next passes (3→2→1);
// at the start MinFloor raised it once more, and the replicas the restore
// had started ahead were cold at the start after all. With the controller's
// hook, MinFloorAhead over the idler's next run, the scaler holds them.
// Found by a review (helper-118).
//
// Seen failing with MinFloor: "1 of 1 replicas of f ready, want 3". Same timeline as
// TestRestoredFromZeroBeforeAScheduledMinimum (restore at 00:04:40 for a
// minimum of 3 from 00:05, replicas take 20 s to start), with the scaler
// loop (every 5 s) of the controller assembly running too.
func TestRestoreAheadIsKeptByTheScaler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC in the bubble
		f := ref("f")
		sched := "5 0 * * * for 1h = 3"
		p := newTestProvider(t, memory.Options{ColdStart: 20 * time.Second},
			function("f", 0, start.Add(-48*time.Hour), optIn(LabelZeroDuration, "1m", MinScheduleLabel, sched)))
		fs := newFakeSource(start.Add(-24 * time.Hour))
		fs.last[f] = start.Add(-24 * time.Hour) // called yesterday: its series exist, its load is 0
		src := quietLoadSource{fs}
		act := newActuator(t, p, false)
		d, err := New(Config{Provider: p, Actuator: act, Source: src, Clock: clock.Real(), Schedule: "@every 30s",
			Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: p, Source: src, Actuator: act, Clock: clock.Real(),
			Defaults: scaler.DefaultDefaults(), MinFloor: MinFloorAhead(nil, d.NextRun), MinFloorLabel: MinScheduleLabel,
			Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		d.cfg.RecentScaleUp = loop.LastScaleUp
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = loop.Run(ctx) })
		time.Sleep(10 * time.Second) // idler cycles at 00:00:40, …, 00:04:40, 00:05:10
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(4*time.Minute + 50*time.Second) // to 00:05:00, the start
		fnAt5, err := p.Function(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		wg.Wait()
		if fnAt5.AvailableReplicas != 3 {
			t.Fatalf("at 00:05, the scheduled minimum's start: %d of %d replicas of f ready, want 3 (restored ahead at 00:04:40); scale calls %s",
				fnAt5.AvailableReplicas, fnAt5.Replicas, strings.Join(callsWords(p, start), " "))
		}
	})
}

// TestMinFloorAheadOfAStart: the floor names a minimum starting by the
// idler's next run, and nothing sooner than that; MinFloor alone only the
// active one.
func TestMinFloorAheadOfAStart(t *testing.T) {
	at := time.Date(2000, 1, 1, 0, 4, 40, 0, time.UTC) // 20 s before "5 0 * * *"
	fn := function("f", 1, at.Add(-time.Hour), map[string]string{MinScheduleLabel: "5 0 * * * for 1h = 3"})
	for _, tc := range []struct {
		name string
		next func(time.Time) time.Time
		want uint64
	}{
		{"MinFloor", nil, 0},
		{"next run after the start", func(now time.Time) time.Time { return now.Add(30 * time.Second) }, 3},
		{"next run before the start", func(now time.Time) time.Time { return now.Add(10 * time.Second) }, 0},
		{"no next run", func(time.Time) time.Time { return time.Time{} }, 0},
	} {
		n, why := MinFloorAhead(nil, tc.next)(fn, at)
		if n != tc.want || (n > 0) != strings.Contains(why, "starts at 2000-01-01 00:05") {
			t.Errorf("%s: floor %d (%q), want %d", tc.name, n, why, tc.want)
		}
	}
	if n, _ := MinFloorAhead(nil, func(now time.Time) time.Time { return now.Add(30 * time.Second) })(fn, at.Add(30*time.Second)); n != 3 {
		t.Errorf("floor at the start %d, want the active minimum 3", n)
	}
}
