package controller

import (
	"sync"
	"testing"
	"time"
)

// TestReloadRacesTheExplainAPI: a SIGHUP reload that changes the load
// windows writes the loop's StableWindow/BurstWindow under passMu only,
// while the explain API (GET /api/v1/functions/{name}) reads them under the
// loop's mu only: a data race between a reload and any explain request.
// Run with -race.
func TestReloadRacesTheExplainAPI(t *testing.T) {
	s := newStack(t, testConfig(), Wiring{Namespaces: []string{ns}}, fn{name: "api", replicas: 1})
	_ = s.ctl.Loop.Tick(t.Context(), time.Now())
	if _, ok := s.ctl.Loop.Explain(ref("api")); !ok {
		t.Fatal("control: the loop does not know the function after a pass")
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 50 {
			next := testConfig()
			next.Scaler.StableWindow = time.Duration(20+i%2) * time.Second
			if _, err := s.ctl.Reload(next); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		for range 50 {
			s.ctl.Loop.Explain(ref("api"))
		}
	})
	wg.Wait()
}
