package peers

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestKEDAHPASyncsOnTheFirstSyncAfterActivation: the HPA that KEDA
// creates owns 1 ↔ N (reference/peers.md §3: "The scaling phase (1 ↔ N) is
// left to an HPA that KEDA creates, fed by the KEDA metrics server"). Every
// HPA sync computes desired = ceil(metric / target) from the metric's
// current value (peers.md §2, replica_calculator.go: External AverageValue,
// desired = ceil(sum / targetPerPod)); the KEDA metrics server answers each
// query from the scaler at once, so the first sync after an activation
// already sees the load that activated the function.
//
// The model's HPA metric is the average of in-flight + queued over the
// last 60 s, taken from differences of State.LoadSeconds between its own
// syncs (hpa.go, metric), and KEDA clears those samples when it scales to
// zero (keda.go, Wake: `c.hpa.recs, c.hpa.samples = nil, nil`), while no
// sync samples at zero. After the next activation the first sync has one
// sample, reports "no_metric" and keeps 1 replica whatever the load: the
// HPA acts one sync (15 s) late after every activation. LoadSeconds was
// integrated all along (the engine keeps it at zero replicas), so the
// 60 s average is defined at that sync.
//
// Input: one request at 10 s (activation at the 30 s poll), quiet until the
// cooldown takes it to zero at 330 s, then 100 requests in flight or queued
// from 400 s. The poll at 420 s activates (0 → 1); at the 435 s sync the
// 60 s average load is 100 × 35 / 60 ≈ 58, desired ceil(58 / 7) = 9, and the
// scale-up policy allows max(1 + 4, 2 × 1) = 5 now. The model kept 1; now
// the metric keeps its samples at zero.
//
// Seen failing before the fix (found by a review): at the first HPA sync
// after the activation (435 s, 100 requests in flight or queued for
// 35 s): 1 replicas (decision -1, "no_change"); want 5
func TestKEDAHPASyncsOnTheFirstSyncAfterActivation(t *testing.T) {
	kedaFirstSyncAfterActivation(t, DefaultKEDA().NewController(sim.FunctionInfo{Concurrency: 10}, t0))
}

func kedaFirstSyncAfterActivation(t *testing.T, c sim.Controller) {
	t.Helper()
	d := c.Arrival(at(10), sim.State{})
	replicas := 0
	load := func(s float64) (inflight, queued int, loadSec float64, arrivals uint64) {
		switch {
		case s < 400:
			return 0, 0, 1, 1 // the one request at 10 s ran for 1 s
		default:
			inflight = min(100, 10*max(replicas, 0))
			return inflight, 100 - inflight, 1 + 100*(s-400), 101
		}
	}
	var got sim.Decision
	for i := 0; i < 200 && !d.Wake.IsZero() && !d.Wake.After(at(435)); i++ {
		now := d.Wake
		s := now.Sub(t0).Seconds()
		if s >= 400 && replicas == 0 && d.Wake.After(at(400)) {
			// the requests reach the gateway at 400 s: an Arrival then
			c.Arrival(at(400), sim.State{Arrivals: 1, LoadSeconds: 1})
		}
		in, q, ls, arr := load(s)
		d = c.Wake(now, sim.State{Desired: replicas, Ready: replicas, Inflight: in, Queued: q, LoadSeconds: ls, Arrivals: arr})
		if d.Replicas != sim.Keep && d.Replicas != replicas {
			t.Logf("%4.0fs: %d → %d (%s)", s, replicas, d.Replicas, d.Reason)
			replicas = d.Replicas
		}
		if s == 435 {
			kc := c.(*kedaCtl)
			t.Logf("435s: HPA samples %d (the first since the activation)", len(kc.hpa.samples))
			got = d
		}
	}
	if replicas != 5 {
		t.Errorf("at the first HPA sync after the activation (435 s, 100 requests in flight or queued for 35 s): %d replicas (decision %d, %q); want 5 (ceil(58/7) = 9, capped by the scale-up policy at max(1+4, 2×1))",
			replicas, got.Replicas, got.Reason)
	}
}
