package metricsource

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// partedSource answers LoadParts from fixed maps and records what it was
// asked about (nil: every function).
type partedSource struct {
	vals  Values
	parts Parts
	err   error
	asked [][]provider.Ref
}

func (s *partedSource) Load(context.Context, LoadQuery) (Values, error) { return s.vals, s.err }
func (s *partedSource) Activity(context.Context, time.Duration) (Activity, error) {
	return Activity{}, nil
}
func (s *partedSource) LoadParts(_ context.Context, _ LoadQuery, refs []provider.Ref) (Values, Parts, error) {
	s.asked = append(s.asked, refs)
	return s.vals, s.parts, s.err
}

// TestLoadAlignedFromMaps: a source without AlignedLoad is asked once --
// about every function on a full pass, about refs otherwise -- and each
// ref's reading is its value (missing when absent) with the part Parts.For
// gives it, in buf's array; an error returns buf as it was.
func TestLoadAlignedFromMaps(t *testing.T) {
	a, b, c := provider.Ref{Name: "a"}, provider.Ref{Name: "b"}, provider.Ref{Name: "c"}
	src := &partedSource{vals: Values{a: 2, b: 0}, parts: Parts{a: PartArrivals}}
	refs := []provider.Ref{c, b, a}
	fns := []provider.Function{{Ref: c}, {Ref: b}, {Ref: a}}
	want := []Reading{{}, {Value: 0, Has: true, Part: PartGauge}, {Value: 2, Has: true, Part: PartArrivals}}
	q := LoadQuery{Type: TypeCapacity, Window: time.Minute}
	for _, all := range []bool{true, false} {
		buf := []Reading{{Value: 9, Has: true}, {}, {}}
		out, err := LoadAligned(context.Background(), src, q, fns, all, buf)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out, want) || &out[0] != &buf[0] {
			t.Errorf("all=%v: %+v; want %+v, in buf's array", all, out, want)
		}
	}
	if len(src.asked) != 2 || src.asked[0] != nil || !slices.Equal(src.asked[1], refs) {
		t.Errorf("asked %v; want every function (nil), then %v", src.asked, refs)
	}

	src.parts = nil // a source that does not say parts
	out, err := LoadAligned(context.Background(), src, q, fns, true, nil)
	if err != nil || len(out) != 3 || out[2] != (Reading{Value: 2, Has: true}) {
		t.Errorf("without parts: %+v, %v; want a's 2 with no part said", out, err)
	}

	src.err = errors.New("down")
	buf := []Reading{{Value: 5, Has: true}}
	if out, err := LoadAligned(context.Background(), src, q, fns, true, buf); err == nil || len(out) != 1 || out[0] != buf[0] {
		t.Errorf("on an error: %v, %+v; want the error and buf as it was", err, out)
	}
}

// activityOnly is a source with Activity and nothing else.
type activityOnly struct {
	act Activity
	err error
}

func (s activityOnly) Activity(context.Context, time.Duration) (Activity, error) { return s.act, s.err }

// TestStartedFromActivity: a source without StartedCounts is read through
// Activity, each Started entry once; its error is returned.
func TestStartedFromActivity(t *testing.T) {
	a, b := provider.Ref{Name: "a"}, provider.Ref{Name: "b"}
	src := activityOnly{act: Activity{Started: Values{a: 3, b: 0}, Inflight: Values{a: 1}}}
	got, err := Started(context.Background(), src, time.Minute, make([]Count, 0, 1))
	if err != nil || len(got) != 2 {
		t.Fatalf("%v, %v; want a's 3 and b's 0", got, err)
	}
	m := map[provider.Ref]float64{}
	for _, c := range got {
		m[c.Ref] = c.N
	}
	if m[a] != 3 || m[b] != 0 {
		t.Errorf("%v; want a: 3, b: 0", m)
	}
	src.err = errors.New("down")
	if got, err := Started(context.Background(), src, time.Minute, got); err == nil || len(got) != 0 {
		t.Errorf("down: %v, %v; want the error and nothing", got, err)
	}
}

// TestActivityAlignedFromMaps: a source without ActivityInto is read
// through its maps, each ref's part at its index (a ref without entries
// gets an empty part, in-flight and queue parts only where the source has
// those maps); on its error the parts are empty, never the last answer's.
// Seen failing with the parts left from the buffer on an error.
func TestActivityAlignedFromMaps(t *testing.T) {
	a, b, c := provider.Ref{Name: "a"}, provider.Ref{Name: "b"}, provider.Ref{Name: "c"}
	woke := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	src := activityOnly{act: Activity{Window: time.Minute, Covered: true,
		Started: Values{a: 3, b: 0}, Inflight: Values{b: 2}, Queued: Values{a: 1},
		Vanished: map[provider.Ref]bool{c: true}, Woken: map[provider.Ref]time.Time{a: woke}}}
	act, parts, err := ActivityAligned(context.Background(), src, time.Minute, []provider.Ref{c, a, b}, nil)
	if err != nil || !act.Covered || len(parts) != 3 {
		t.Fatalf("%+v, %+v, %v", act, parts, err)
	}
	want := []FunctionActivity{
		{Vanished: true},
		{Started: 3, HasStarted: true, Queued: 1, HasQueued: true, Woken: woke},
		{Started: 0, HasStarted: true, Inflight: 2, HasInflight: true},
	}
	if !slices.Equal(parts, want) {
		t.Errorf("parts %+v, want %+v", parts, want)
	}
	src.err = errors.New("down")
	if _, parts, err = ActivityAligned(context.Background(), src, time.Minute, []provider.Ref{a, b}, parts); err == nil ||
		len(parts) != 2 || parts[0] != (FunctionActivity{}) || parts[1] != (FunctionActivity{}) {
		t.Errorf("down: %+v, %v; want the error and empty parts", parts, err)
	}
}

// shortAligned answers ActivityInto with one part fewer than asked.
type shortAligned struct{ activityOnly }

func (shortAligned) ActivityInto(_ context.Context, w time.Duration, refs []provider.Ref, out []FunctionActivity) (Activity, []FunctionActivity, error) {
	return Activity{Window: w, Covered: true}, make([]FunctionActivity, len(refs)-1), nil
}

// TestActivityAlignedRefusesAShortAnswer: an answer with fewer parts than
// functions asked about is an error, not an index past its end for the
// caller. Seen failing (no error) without the length check.
func TestActivityAlignedRefusesAShortAnswer(t *testing.T) {
	_, _, err := ActivityAligned(context.Background(), shortAligned{}, time.Minute, []provider.Ref{{Name: "a"}, {Name: "b"}}, nil)
	if err == nil {
		t.Error("a short answer was taken")
	}
}

// windowedSource answers LoadParts per window, from fixed answers, and
// records the queries asked.
type windowedSource struct {
	ans   map[time.Duration]windowAnswer
	asked []LoadQuery
}

type windowAnswer struct {
	vals  Values
	parts Parts
	err   error
}

func (s *windowedSource) Load(ctx context.Context, q LoadQuery) (Values, error) {
	v, _, err := s.LoadParts(ctx, q, nil)
	return v, err
}
func (s *windowedSource) Activity(context.Context, time.Duration) (Activity, error) {
	return Activity{}, nil
}
func (s *windowedSource) LoadParts(_ context.Context, q LoadQuery, _ []provider.Ref) (Values, Parts, error) {
	s.asked = append(s.asked, q)
	a := s.ans[q.Window]
	return a.vals, a.parts, a.err
}

// TestLoadsAlignedFromLoadAligned: a source without AlignedLoads is asked
// each window in turn, as LoadAligned asks it, and each window's readings
// and error are LoadAligned's: a failing window fails alone, a partial
// one comes with its lower bounds, into the array given when long enough.
// Seen failing with one window's error given to every window.
func TestLoadsAlignedFromLoadAligned(t *testing.T) {
	a, b := provider.Ref{Name: "a"}, provider.Ref{Name: "b"}
	fns := []provider.Function{{Ref: b}, {Ref: a}}
	partial := &PartialError{Why: "a store down"}
	src := &windowedSource{ans: map[time.Duration]windowAnswer{
		time.Minute:      {vals: Values{a: 3}, parts: Parts{a: PartArrivals}, err: partial},
		10 * time.Second: {err: errors.New("down")},
		30 * time.Second: {vals: Values{a: 1, b: 2}},
	}}
	windows := []time.Duration{time.Minute, 10 * time.Second, 30 * time.Second}
	ws := make([]WindowReadings, len(windows))
	kept := []Reading{{Value: 9}}
	for k, w := range windows {
		ws[k] = WindowReadings{Window: w, R: slices.Clone(kept)}
	}
	given := ws[1].R
	LoadsAligned(context.Background(), src, TypeCapacity, fns, true, ws)
	var want []LoadQuery
	for k, w := range windows {
		q := LoadQuery{Type: TypeCapacity, Window: w}
		want = append(want, q)
		r, err := LoadAligned(context.Background(), src, q, fns, true, slices.Clone(kept))
		if !slices.Equal(ws[k].R, r) || !errors.Is(ws[k].Err, err) && ws[k].Err != err {
			t.Errorf("%s: %+v, %v; LoadAligned says %+v, %v", w, ws[k].R, ws[k].Err, r, err)
		}
	}
	if &ws[1].R[0] != &given[0] || ws[1].R[0].Value != 9 {
		t.Errorf("the failed window's array %+v; want the one given, as it was", ws[1].R)
	}
	if why, ok := PartialWhy(ws[0].Err); !ok || why != "a store down" || ws[0].R[1] != (Reading{Value: 3, Has: true, Part: PartArrivals}) {
		t.Errorf("the partial window: %+v, %v; want a's lower bound and the partial error", ws[0].R, ws[0].Err)
	}
	if !slices.Equal(src.asked[:len(windows)], want) {
		t.Errorf("asked %v; want %v, in order", src.asked[:len(windows)], want)
	}
}

// loadsSource has AlignedLoads: LoadsAligned hands the call to it whole.
type loadsSource struct {
	windowedSource
	calls int
}

func (s *loadsSource) LoadsAligned(_ context.Context, _ string, _ []provider.Function, ws []WindowReadings) {
	s.calls++
	for k := range ws {
		ws[k].Err = errors.New("answered by the source")
	}
}

// TestLoadsAlignedAsksTheSource: a source with AlignedLoads answers every
// window in one call, and is not asked through LoadParts.
func TestLoadsAlignedAsksTheSource(t *testing.T) {
	src := &loadsSource{}
	ws := []WindowReadings{{Window: time.Minute}, {Window: time.Second}}
	LoadsAligned(context.Background(), src, TypeRPS, nil, true, ws)
	if src.calls != 1 || len(src.asked) != 0 || ws[0].Err == nil || ws[1].Err == nil {
		t.Errorf("%d calls, asked %v, %+v; want one call answering both", src.calls, src.asked, ws)
	}
}
