package scaler

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// withRecordBudget lowers maxRecords for one test.
func withRecordBudget(t *testing.T, n int) {
	t.Helper()
	old := maxRecords
	maxRecords = n
	t.Cleanup(func() { maxRecords = old })
}

// heldRecords is how many decision records the loop holds, and the most
// any one function's history holds or has room for.
func heldRecords(l *Loop) (total, most int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, fs := range l.fns {
		total += len(fs.history)
		most = max(most, cap(fs.history))
	}
	return total, most
}

// TestDecisionRecordsAreBoundedAcrossTheFleet: each function kept up to
// HistorySize (50) decision records, each with its reason's words, and a
// fleet whose functions all change their counts now and then filled them:
// at 100,000 called functions the records were 240 MB of the controller's
// 466 MB heap (RSS 888 MiB, bench/footprint with every function called).
// The records held together are bounded (maxRecords): past the fleet size
// where everyone keeps HistorySize, each keeps an equal share, never fewer
// than two (the last decision and the one before it), and the histories
// of a fleet that grew are cut at the next pass, not only when they take a
// record.
func TestDecisionRecordsAreBoundedAcrossTheFleet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		withRecordBudget(t, 40)
		var fns []provider.Function
		for i := range 4 {
			fns = append(fns, function(provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: "openfaas-fn"}, 2, nil))
		}
		e := newLoopEnv(t, func(c *LoopConfig) { c.Defaults.DownWindow = 0 }, fns...)
		// Each pass alternates between needing 2 and 6 replicas: every
		// decision scales, and adds a record.
		churn := func(passes int, fns []provider.Function) {
			t.Helper()
			for p := range passes {
				for _, fn := range fns {
					e.src.Set("rps", fn.Ref, float64(100+200*(p%2)))
				}
				if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Second)
			}
		}
		churn(30, fns)
		if total, most := heldRecords(e.loop); total > 40 || most != 10 {
			t.Errorf("4 functions under a budget of 40: %d records held, at most %d a function; want 40 at 10 each", total, most)
		}
		// The fleet grows to 40: two records each, the first four cut at
		// the next pass although they decide nothing new (steady since the
		// pass before: a refresh of their last record, no new one).
		for _, fn := range fns {
			e.src.Set("rps", fn.Ref, 300) // the churn's last load
		}
		for range 2 {
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Second)
		}
		for i := 4; i < 40; i++ {
			fn := function(provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: "openfaas-fn"}, 2, nil)
			e.prov.set(fn)
			fns = append(fns, fn)
		}
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		churn(10, fns[4:])
		if total, most := heldRecords(e.loop); total > 80 || most != 2 {
			t.Errorf("40 functions under a budget of 40: %d records held, at most %d a function; want at most 80 (two each) and 2", total, most)
		}
		// The explain API still shows the last two decisions of each.
		if f, ok := e.loop.Explain(fns[0].Ref); !ok || len(f.Decisions) != 2 {
			t.Errorf("explain f0: %d decisions, want 2", len(f.Decisions))
		}
	})
}
