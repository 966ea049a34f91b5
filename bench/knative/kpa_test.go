package main

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestKPAStepAndScaleToZero: 40 requests in flight (10 per replica, target
// 7) from t=0 for 5 minutes, then nothing. The real decider must scale to
// ceil(40/7) = 6 within seconds (panic mode) and reach zero about 60 s
// (stable window) + 30 s (grace) after the load stops.
func TestKPAStepAndScaleToZero(t *testing.T) {
	t0 := time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC)
	c := DefaultKPA().NewController(sim.FunctionInfo{ID: "f", Concurrency: 10, ColdStart: 2 * time.Second}, t0)
	st := sim.State{}
	load := 40.0
	d := c.Arrival(t0, st)
	st.Desired = d.Replicas
	var reached6, zeroAt time.Time
	last := t0
	for i := 0; i < 1000 && !d.Wake.IsZero(); i++ {
		now := d.Wake
		st.LoadSeconds += load * now.Sub(last).Seconds()
		last = now
		if now.Sub(t0) >= 5*time.Minute {
			load = 0
		}
		st.Ready, st.Inflight = st.Desired, int(load)
		d = c.Wake(now, st)
		if d.Replicas != sim.Keep {
			st.Desired = d.Replicas
		}
		t.Logf("%5.0fs load %2.0f → %d (%s)", now.Sub(t0).Seconds(), load, st.Desired, d.Reason)
		if st.Desired >= 6 && reached6.IsZero() {
			reached6 = now
		}
		if st.Desired == 0 && load == 0 {
			zeroAt = now
			break
		}
	}
	if reached6.IsZero() || reached6.Sub(t0) > 10*time.Second {
		t.Errorf("reached 6 replicas at %v, want within 10 s", reached6.Sub(t0))
	}
	if z := zeroAt.Sub(t0.Add(5 * time.Minute)); zeroAt.IsZero() || z < 60*time.Second || z > 120*time.Second {
		t.Errorf("zero %v after the load stopped, want 60–120 s", z)
	}
}

func TestKPAReplaysSmallTrace(t *testing.T) {
	tr, err := trace.Load("../../sim/testdata/small")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sim.Run(tr, sim.DefaultConfig(), []sim.Policy{DefaultKPA()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[0]; r.Invocations == 0 || r.Unserved != 0 || r.ColdStarts == 0 {
		t.Errorf("KPA replay: %d invocations, %d cold, %d unserved", r.Invocations, r.ColdStarts, r.Unserved)
	}
}
