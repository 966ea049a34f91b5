package scaler

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGatewayInstanceDownHoldsScaleDowns: two gateway replicas each carry
// half of a's 270 rps (6 replicas at 45 a replica). Replica b stops being
// scraped: the sum reads 135, which wants 3. That is a lower bound (b's
// share is missing), so a keeps 6 for longer than its down window, its
// reason naming b; a reading that needs more still scales up; cpu, which
// is not summed over the gateway, scales down as before. Once b is
// scraped again the same reading scales a down. Before the fix a was
// halved to 3 one down window after b went down.
func TestGatewayInstanceDownHoldsScaleDowns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 6, nil), function(refC, 6, map[string]string{LabelType: "cpu", LabelTarget: "100", LabelTargetProportion: "1"}))
		e.src.Set("rps", refA, 270)
		e.src.Set("cpu", refC, 600)
		tick := func() {
			t.Helper()
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Second)
		}
		for range 3 {
			tick()
		}
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Fatalf("scaled with both gateway replicas scraped at a steady load: %v", calls)
		}

		const b = "10.0.0.8:8082"
		e.src.SetDown([]string{b}, nil)
		e.src.Set("rps", refA, 135)
		e.src.Set("cpu", refC, 300)
		for range int(testDefaults().DownWindow/(5*time.Second)) + 6 {
			tick()
		}
		if diff := cmp.Diff([]scaleCall{{refC, 3}}, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls while gateway instance %s is down (-want +got): rps must hold, cpu is not the gateway's:\n%s", b, diff)
		}
		f, _ := e.loop.Explain(refA)
		last := f.Decisions[0]
		if last.Code != string(CodeLowerBound) || !strings.Contains(last.Reason, b) || !strings.Contains(last.Reason, "lower bound") {
			t.Errorf("a's decision while %s is down: %s %q, want %s naming it as a lower bound", b, last.Code, last.Reason, CodeLowerBound)
		}
		if obs, _ := f.Observation.(Observation); !strings.Contains(obs.LowerBound, b) {
			t.Errorf("a's observation's lower_bound %q, want it naming %s", obs.LowerBound, b)
		}
		if got := e.src.DownAsks(); len(got) == 0 || got[len(got)-1] != DefaultStableWindow {
			t.Errorf("DownGateways asked over %v, want the stable window %v", got, DefaultStableWindow)
		}

		// More load than 6 serve: at least that much, so up.
		e.src.Set("rps", refA, 360)
		tick()
		if diff := cmp.Diff([]scaleCall{{refA, 8}}, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls on a lower bound needing 8 (-want +got):\n%s", diff)
		}
		e.src.Set("rps", refA, 135)

		// Not knowing whether every instance is scraped holds too.
		e.src.SetDown(nil, errors.New("prometheus: timeout"))
		for range int(testDefaults().DownWindow/(5*time.Second)) + 6 {
			tick()
		}
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Errorf("scaled down while the down-instance query failed: %v", calls)
		}

		// Every instance scraped again: down, by the scale-down limit's
		// half of 8.
		e.src.SetDown(nil, nil)
		tick()
		if diff := cmp.Diff([]scaleCall{{refA, 4}}, e.prov.takeCalls()); diff != "" {
			t.Errorf("scale calls once every gateway instance is scraped again (-want +got):\n%s", diff)
		}
	})
}
