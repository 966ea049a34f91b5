package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestANewTermExportsNoGaugesBeforeItsFirstDecision: a replica that leads
// again keeps its functions as its last term left them until its first
// pass has decided (heldOver; the explain API answers 503 meanwhile). Its
// per-function gauges streamed those counts as current: replicas 8 for a
// function the other leader had scaled to 1 an hour before, which the
// rules' alerts compared with the load (max by function_name) for as long
// as the pass's metric queries took (up to prometheus.timeout). It exports
// no per-function rows then, as a follower does.
//
// Seen failing before the fix: faas_autoscaler_function_replicas = 8
// during term 2's first pass.
func TestANewTermExportsNoGaugesBeforeItsFirstDecision(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var src *switchedGate
		e := newLoopEnv(t, func(c *LoopConfig) {
			src = &switchedGate{Source: c.Source}
			c.Source = src
		}, function(refA, 8, nil))
		labels := map[string]string{labelFunction: refA.String()}

		ctx1, end1 := context.WithCancel(t.Context())
		done1 := make(chan struct{})
		go func() { _ = e.loop.Run(ctx1); close(done1) }()
		synctest.Wait()
		if v, ok := e.metric(t, MetricReplicas, labels); !ok || v != 8 {
			t.Fatalf("control, term 1: %s = %v (present %v), want 8", MetricReplicas, v, ok)
		}
		end1()
		<-done1

		time.Sleep(time.Hour)
		if err := e.prov.Scale(context.Background(), refA, 1); err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		src.setGate(gate)
		ctx2, end2 := context.WithCancel(t.Context())
		done2 := make(chan struct{})
		go func() { _ = e.loop.Run(ctx2); close(done2) }()
		synctest.Wait()
		for _, name := range []string{MetricReplicas, MetricMinReplicas, MetricMaxReplicas, MetricTargetLoad} {
			if v, ok := e.metric(t, name, labels); ok {
				t.Errorf("term 2, first pass not decided: %s = %v exported, the last term's", name, v)
			}
		}
		src.setGate(nil)
		close(gate)
		synctest.Wait()
		if v, ok := e.metric(t, MetricReplicas, labels); !ok || v != 1 {
			t.Errorf("term 2 once its first pass decided: %s = %v (present %v), want 1", MetricReplicas, v, ok)
		}
		end2()
		<-done2
	})
}
