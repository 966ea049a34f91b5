package scaler

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRecordKeepsOnlyWhatExplainShows: a function keeps up to
// scaler.history_size (50) records, so every byte of one counts fifty
// times per function. A record holds what the explain API shows and no
// more; it once embedded a whole Decision (its Next state zeroed, 384 bytes
// a record), which the soak found as most of the controller's heap.
func TestRecordKeepsOnlyWhatExplainShows(t *testing.T) {
	if got, limit := unsafe.Sizeof(Record{}), uintptr(128); got > limit {
		t.Errorf("Record is %d bytes, want at most %d: keep only what explain.Decision shows", got, limit)
	}
	d := Decision{Replicas: 3, Current: 1, Code: CodeScaleUp, Reason: "rps 10/s", Scale: true, Recommended: 3,
		Next: State{Recommendations: []Recommendation{{Replicas: 3}}}}
	at := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	r := recordOf(at, "firing", d)
	if r.Replicas != 3 || r.Current != 1 || r.Code != CodeScaleUp || r.Reason != "rps 10/s" || !r.Scale ||
		r.Trigger != "firing" || r.Result != "none" || !r.At.Equal(at) {
		t.Errorf("recordOf(%+v) = %+v: lost what explain shows", d, r)
	}
}

// TestSpecIsSharedNotCopied: a function's parsed spec is one value that
// the pass's cache, the last decision (for explain and the metrics) and
// later passes share while the labels stay; a copy in each was 368 bytes
// a function. A label change makes a new one and leaves the old as it was.
func TestSpecIsSharedNotCopied(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 4, map[string]string{LabelMax: "40"}))
	e.src.Set("rps", refA, 180)
	tick := func(i int) *fnState {
		t.Helper()
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
		e.loop.mu.Lock()
		defer e.loop.mu.Unlock()
		return e.loop.fns[refA]
	}
	fs := tick(0)
	first := fs.spec
	if first == nil || first != fs.parsed.spec {
		t.Fatalf("decision's spec %p, parse cache's %p: want one shared value", first, fs.parsed.spec)
	}
	if fs = tick(1); fs.spec != first {
		t.Errorf("unchanged labels: the spec was copied or parsed again (%p, was %p)", fs.spec, first)
	}
	if err := e.prov.SetLabels(refA, map[string]string{LabelMax: "3"}); err != nil {
		t.Fatal(err)
	}
	if fs = tick(2); fs.spec == first || fs.spec.Max != 3 || first.Max != 40 {
		t.Errorf("after max 40 → 3: spec %+v (shared one now max %d), want a new spec with max 3 and the old one unchanged", fs.spec, first.Max)
	}
}

// TestHistoryCapacityStopsAtItsSize: a history holds at most n records and
// never has room for more (append's growth would leave 50 records in a
// capacity of 64); the newest n are kept, in order.
func TestHistoryCapacityStopsAtItsSize(t *testing.T) {
	var h []Record
	for i := range 200 {
		h = appendBounded(h, Record{Seq: uint32(i)}, 50)
		if cap(h) > 50 {
			t.Fatalf("after %d records: capacity %d, want at most 50", i+1, cap(h))
		}
	}
	if len(h) != 50 || h[0].Seq != 150 || h[49].Seq != 199 {
		t.Errorf("kept %d records from %d to %d, want the newest 50 (150…199)", len(h), h[0].Seq, h[len(h)-1].Seq)
	}
}

// TestFunctionStateFitsItsSizeClass: the loop keeps one fnState per
// function (10,000 and 100,000 in the footprint benchmark), allocated from
// Go's 288-byte size class; one byte more takes the 320-byte class. It was
// 1,200 bytes (1,280) with two Spec copies and the whole listed Function,
// then 768 with a second State (208 bytes) kept by value for every
// function, though an idle function's decisions leave its state as it was,
// then 568 (576) with a copy of the last record's key beside the record,
// then 512 with the whole State and Observation inline (kept.go).
func TestFunctionStateFitsItsSizeClass(t *testing.T) {
	if got := unsafe.Sizeof(fnState{}); got > 288 {
		t.Errorf("fnState is %d bytes, want at most 288 (share, don't copy; order fields to avoid padding)", got)
	}
}

// TestIdleFunctionKeepsOneState: a function whose decisions change nothing
// keeps no second State; one whose state moves keeps the one its last
// decision was made on, and explain words the quiet record from it exactly
// as the loud decision said it.
func TestIdleFunctionKeepsOneState(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 4, map[string]string{LabelMax: "40"}), function(refB, 1, nil))
	e.src.Set("rps", refA, 180) // refB: no data
	var loud []Decision
	for i := range 4 {
		now := t0.Add(time.Duration(i) * tickEvery)
		var st State // the state this pass decides on
		e.loop.mu.Lock()
		if fa := e.loop.fns[refA]; fa != nil {
			st = fa.state()
		}
		e.loop.mu.Unlock()
		if err := e.loop.Tick(t.Context(), now); err != nil {
			t.Fatal(err)
		}
		e.loop.mu.Lock()
		fa := e.loop.fns[refA]
		loud = append(loud, Decide(*fa.spec, fa.observation(e.loop.cfg.StableWindow, e.loop.cfg.BurstWindow), st, now))
		fb := e.loop.fns[refB]
		if fb.before != nil {
			t.Errorf("pass %d: the function without data keeps a second State %+v", i, *fb.before)
		}
		if i > 0 && fa.before == nil {
			t.Errorf("pass %d: the loaded function's recommendations moved, but no earlier State is kept", i)
		}
		e.loop.mu.Unlock()
	}
	f, ok := e.loop.Explain(refA)
	if !ok || len(f.Decisions) != 1 {
		t.Fatalf("explain %+v, want one refreshed record", f)
	}
	if got, want := f.Decisions[0].Reason, loud[len(loud)-1].Reason; got != want {
		t.Errorf("quiet record worded %q, want the loud decision's %q", got, want)
	}
	if fb, ok := e.loop.Explain(refB); !ok || len(fb.Decisions) == 0 || fb.Decisions[0].Reason == "" {
		t.Errorf("the function without data: explain %+v, want its record worded", fb)
	}
}

// TestSameStateSeesEveryField: sameState decides whether a function keeps
// a second State, so a field it did not compare would word a quiet record
// from the wrong state. Each field set alone must make a difference.
func TestSameStateSeesEveryField(t *testing.T) {
	at := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	base := State{Recommendations: []Recommendation{{At: InstantOf(at), Replicas: 1}}}
	if same := base; !sameState(&base, &same) {
		t.Fatal("a copy is not the same")
	}
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		changed := base
		f := reflect.ValueOf(&changed).Elem().Field(i)
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.ValueOf(append([]Recommendation(nil), base.Recommendations...))) // equal items, new slice
		case reflect.String:
			f.SetString("x")
		case reflect.Uint64, reflect.Uint8, reflect.Uint, reflect.Uint32:
			f.SetUint(7)
		case reflect.Int, reflect.Int8, reflect.Int64:
			f.SetInt(7)
		case reflect.Struct:
			f.Set(reflect.ValueOf(at))
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("State.%s is a %s: teach this test and sameState about it", v.Type().Field(i).Name, f.Kind())
		}
		if sameState(&base, &changed) {
			t.Errorf("State.%s changed, sameState says the same", v.Type().Field(i).Name)
		}
	}
}

// TestExplainShowsAppliedCountBeforeTheNextListing: with the listed
// Function no longer kept, the state's own count must still follow an
// applied scale, so explain shows it before the next pass lists it.
func TestExplainShowsAppliedCountBeforeTheNextListing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, nil))
		e.src.Set("rps", refA, 200)
		_ = e.loop.Tick(t.Context(), time.Now())
		synctest.Wait() // the actuator's outcome
		f, ok := e.loop.Explain(refA)
		if !ok {
			t.Fatal("not explained")
		}
		if len(f.Decisions) != 1 || !f.Decisions[0].Scale || f.Decisions[0].Result != "ok" {
			t.Fatalf("decisions %+v, want one applied scale", f.Decisions)
		}
		if want := f.Decisions[0].Replicas; f.Replicas != want || want <= 1 {
			t.Errorf("explain shows %d replicas after scaling 1 → %d was applied", f.Replicas, want)
		}
	})
}

// TestExplainWordsAQuietRecordFromTheStateBeforeIt: when the state moved
// after the decision that a quiet record stands for, explain words it from
// the state kept for it, not the current one.
func TestExplainWordsAQuietRecordFromTheStateBeforeIt(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 8, map[string]string{LabelMax: "40"}))
	e.src.Set("rps", refA, 300)
	if err := e.loop.Tick(t.Context(), t0); err != nil {
		t.Fatal(err)
	}
	e.loop.mu.Lock()
	fs := e.loop.fns[refA]
	at := fs.history[len(fs.history)-1].At
	before := State{} // nothing in the window: the load's own count
	moved := State{Recommendations: []Recommendation{{At: InstantOf(at), Replicas: 8}}}
	fs.before = keptStateOf(&before)
	fs.setState(moved)
	fs.history[len(fs.history)-1].Reason = "" // as a quiet refresh leaves it
	obs := fs.observation(e.loop.cfg.StableWindow, e.loop.cfg.BurstWindow)
	want := Decide(*fs.spec, obs, before, at).Reason
	other := Decide(*fs.spec, obs, moved, at).Reason
	e.loop.mu.Unlock()
	if want == other {
		t.Fatalf("the two states word the decision alike (%q): the test cannot tell them apart", want)
	}
	f, ok := e.loop.Explain(refA)
	if !ok || len(f.Decisions) == 0 {
		t.Fatal("not explained")
	}
	if got := f.Decisions[0].Reason; got != want {
		t.Errorf("quiet record worded %q, want %q (from the state it was decided on, not the current one)", got, want)
	}
}

// TestSnapshotAllocatesTwoSlices: a scrape copies every decided function's
// row and decision counts (100,000 of each in the footprint benchmark,
// 300,000 counts when each function has had three codes). Both slices are
// made at their size from the start: the counts slice, made with room for
// one a function, regrew through 1.25× steps for functions with several
// codes, 27 MB of garbage a scrape at 100,000 functions
// (BenchmarkDecisionCounts100k).
func TestSnapshotAllocatesTwoSlices(t *testing.T) {
	var fns []provider.Function
	for i := range 300 {
		fns = append(fns, function(provider.Ref{Name: fmt.Sprintf("f%03d", i), Namespace: "openfaas-fn"}, 1, nil))
	}
	e := newLoopEnv(t, nil, fns...)
	if err := e.loop.Tick(t.Context(), t0); err != nil {
		t.Fatal(err)
	}
	e.loop.mu.Lock()
	for _, fs := range e.loop.fns { // two more codes each, as a busy function has
		fs.counts = countDecision(countDecision(fs.counts, CodeScaleUp), CodeScaleDown)
	}
	e.loop.mu.Unlock()
	c := fnSeries{e.loop}
	if rows, counts := c.snapshot(); len(rows) != 300 || len(counts) < 900 || cap(counts) != len(counts) {
		t.Fatalf("snapshot: %d rows, %d counts (room for %d); want 300 and at least 900 with no room to spare", len(rows), len(counts), cap(counts))
	}
	if n := testing.AllocsPerRun(5, func() { c.snapshot() }); n > 2 {
		t.Errorf("a snapshot of 300 functions allocates %v times, want 2 (the rows, the counts)", n)
	}
}

// TestBeforeIsTheStateEachDecisionWasMadeOn: a busy function's state moves
// at every tick (a recommendation a tick), so its kept "before" state is
// rewritten in place from the second decision on; after each tick it must
// be the state that tick decided on, not an earlier one, nor the one the
// tick left.
func TestBeforeIsTheStateEachDecisionWasMadeOn(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 4, map[string]string{LabelMax: "40"}))
	e.src.Set("rps", refA, 150)
	snapshot := func() State {
		e.loop.mu.Lock()
		defer e.loop.mu.Unlock()
		s := e.loop.fns[refA].state()
		s.Recommendations = slices.Clone(s.Recommendations)
		return s
	}
	var prev State
	for i := range 4 {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*5*time.Second)); err != nil {
			t.Fatal(err)
		}
		e.loop.mu.Lock()
		fs := e.loop.fns[refA]
		var before *State
		if fs.before != nil {
			b := fs.before.state()
			before = &b
		}
		e.loop.mu.Unlock()
		now := snapshot()
		if i > 0 {
			if reflect.DeepEqual(now, prev) {
				t.Fatalf("tick %d left the state as it was: the test needs it to move", i)
			}
			if before == nil || !reflect.DeepEqual(*before, prev) {
				t.Fatalf("tick %d: before is %+v; want the state it decided on, %+v", i, before, prev)
			}
		}
		prev = now
	}
}

// TestLargeFleetKeepsNoPassBuffers: a pass's readings are kept for the next pass in a small fleet (the replay's many passes reuse
// them) and dropped after a pass over more than keptScratch functions, so a
// large fleet's live heap between passes does not hold them.
func TestLargeFleetKeepsNoPassBuffers(t *testing.T) {
	for _, n := range []int{10, keptScratch + 1} {
		var fns []provider.Function
		for i := range n {
			fns = append(fns, function(provider.Ref{Name: fmt.Sprintf("f%05d", i), Namespace: "openfaas-fn"}, 1, nil))
		}
		e := newLoopEnv(t, nil, fns...)
		if err := e.loop.Tick(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		kept := e.loop.loadScratch != nil
		if want := n <= keptScratch; kept != want {
			t.Errorf("%d functions: buffers kept %v, want %v", n, kept, want)
		}
	}
}
