package idler

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestWorkItemsReusedAcrossCycles: cycles reuse the work items' arrays
// (Idler.chunks) over a fleet spanning two arrays. Between cycles every
// kept item is zero (it pins no listing and no deleted function's state,
// and prepare takes its place without zeroing it),
// and what a cycle decides does not depend on what the items held before:
// after activity that turns half the first cycle's verdicts around, the
// second cycle's verdicts are those of an idler whose second cycle fills
// new arrays. prepare's arrays of states and items (Idler.sts, items) are
// kept too, pointing at nothing: seen failing with them kept uncleared.
func TestWorkItemsReusedAcrossCycles(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	var fns []provider.Function
	for i := range 2 * chunkItems {
		labels := optIn(LabelZeroDuration, "1m")
		if i%4 == 0 {
			labels = nil // not opted in: answered without an item
		}
		fns = append(fns, function(fmt.Sprintf("f%03d", i), 1, old, labels))
	}
	e := newEnv(t, Config{}, fns...)
	fresh := newEnv(t, Config{}, fns...)
	for i := range fns {
		if i%2 == 0 {
			e.src.invoke(fns[i].Ref)
			fresh.src.invoke(fns[i].Ref)
		}
	}
	ctx := t.Context()
	first := e.d.RunOnce(ctx, time.Now())
	firstVerdicts := slices.Clone(first.Verdicts) // the next cycle reuses the array
	if len(e.d.chunks) != 2 {
		t.Fatalf("%d arrays kept after a cycle over %d items; want 2", len(e.d.chunks), len(first.Verdicts))
	}
	for k, c := range e.d.chunks {
		for i, w := range c[:cap(c)] {
			if w != (work{}) { // all of it: prepare takes a kept place as zero
				t.Fatalf("array %d item %d kept work after the cycle: %+v", k, i, w)
			}
		}
	}
	// prepare's arrays too (Idler.sts, items): kept, pointing at nothing.
	if cap(e.d.sts) < len(fns) || cap(e.d.items) < len(first.Verdicts) {
		t.Fatalf("kept arrays of %d states and %d items after a cycle over %d functions, %d items", cap(e.d.sts), cap(e.d.items), len(fns), len(first.Verdicts))
	}
	for i, st := range e.d.sts[:cap(e.d.sts)] {
		if st != nil {
			t.Fatalf("state %d kept after the cycle", i)
		}
	}
	for i, w := range e.d.items[:cap(e.d.items)] {
		if w != nil {
			t.Fatalf("item %d kept after the cycle", i)
		}
	}
	fresh.d.RunOnce(ctx, time.Now())
	fresh.d.chunks, fresh.d.sts, fresh.d.items = nil, nil, nil // its next cycle fills new arrays
	for _, f := range fns[:chunkItems] {
		e.src.invoke(f.Ref) // in the first array: idle verdicts become keep-alives
		fresh.src.invoke(f.Ref)
	}
	later := time.Now().Add(30 * time.Second)
	got := e.d.RunOnce(ctx, later)
	want := fresh.d.RunOnce(ctx, later)
	if len(got.Verdicts) != len(want.Verdicts) || len(got.Verdicts) == 0 {
		t.Fatalf("%d verdicts; a fresh idler's %d", len(got.Verdicts), len(want.Verdicts))
	}
	changed := 0
	for i := range got.Verdicts {
		if got.Verdicts[i].Verdict.Code != firstVerdicts[i].Verdict.Code {
			changed++
		}
		if g, w := got.Verdicts[i], want.Verdicts[i]; g.Ref != w.Ref || g.Verdict.Code != w.Verdict.Code {
			t.Errorf("%s: %s after a cycle; a fresh idler says %s: %s", g.Ref.Name, g.Verdict.Code, w.Ref.Name, w.Verdict.Code)
		}
	}
	if changed == 0 {
		t.Error("no verdict changed between the cycles: the reuse was not put to the test")
	}
	if &got.Verdicts[0] != &first.Verdicts[0] {
		t.Error("the second cycle's report has a new verdicts array; the first one's was to be reused")
	}
}

// TestALargeCyclesVerdictsAreNotKept: the verdicts array, and prepare's
// arrays of states and items, are reused only while they hold at most
// keptVerdicts, so a large fleet's report does not
// stay in the heap between cycles.
func TestALargeCyclesVerdictsAreNotKept(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	var fns []provider.Function
	for i := range keptVerdicts + 1 {
		fns = append(fns, function(fmt.Sprintf("f%05d", i), 1, old, optIn(LabelZeroDuration, "1m")))
	}
	e := newEnv(t, Config{}, fns...)
	rep := e.d.RunOnce(t.Context(), time.Now())
	if len(rep.Verdicts) != len(fns) {
		t.Fatalf("%d verdicts for %d functions", len(rep.Verdicts), len(fns))
	}
	if e.d.verdicts != nil {
		t.Errorf("kept a verdicts array of %d after a cycle over %d functions; want none above %d", cap(e.d.verdicts), len(fns), keptVerdicts)
	}
	if e.d.sts != nil || e.d.items != nil {
		t.Errorf("kept arrays of %d states, %d items after a cycle over %d functions; want none above %d", cap(e.d.sts), cap(e.d.items), len(fns), keptVerdicts)
	}
}

// TestKeptVerdictsPinNothingPastTheCycle: after a cycle over fewer
// functions than the one before, the reused verdicts array holds nothing
// past this cycle's verdicts (not a deleted function's name or reason).
func TestKeptVerdictsPinNothingPastTheCycle(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	var fns []provider.Function
	for i := range 8 {
		fns = append(fns, function(fmt.Sprintf("f%d", i), 1, old, optIn(LabelZeroDuration, "1m")))
	}
	e := newEnv(t, Config{}, fns...)
	if rep := e.d.RunOnce(t.Context(), time.Now()); len(rep.Verdicts) != len(fns) {
		t.Fatalf("%d verdicts for %d functions", len(rep.Verdicts), len(fns))
	}
	for _, f := range fns[3:] {
		if err := e.p.Remove(f.Ref); err != nil {
			t.Fatal(err)
		}
	}
	rep := e.d.RunOnce(t.Context(), time.Now().Add(time.Minute))
	if len(rep.Verdicts) != 3 {
		t.Fatalf("%d verdicts for 3 functions", len(rep.Verdicts))
	}
	for i, v := range e.d.verdicts[3:cap(e.d.verdicts)] {
		if v != (FunctionVerdict{}) {
			t.Errorf("kept verdict %d past the cycle's: %s (%s)", 3+i, v.Ref, v.Code)
		}
	}
}
