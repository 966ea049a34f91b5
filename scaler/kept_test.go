package scaler

import (
	"reflect"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// filled returns a T whose every field is set to something not zero (each
// differently), so a round trip that drops or swaps a field shows. It knows
// the kinds State and Observation are made of and fails on any other, so a
// new field of a new kind is noticed here too.
func filled[T any](t *testing.T) T {
	t.Helper()
	var v T
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		if !f.CanSet() {
			continue // unexported: not part of what a caller passes in
		}
		n := i + 1
		switch f.Interface().(type) {
		case time.Time:
			f.Set(reflect.ValueOf(t0.Add(time.Duration(n) * time.Second)))
		case time.Duration:
			f.SetInt(int64(n) * int64(time.Second))
		case []Recommendation:
			f.Set(reflect.ValueOf([]Recommendation{{At: InstantOf(t0), Replicas: uint64(n)}}))
		case *float64:
			x := float64(n) + 0.5
			f.Set(reflect.ValueOf(&x))
		case *Signal:
			f.Set(reflect.ValueOf(&Signal{Status: "firing"}))
		case string:
			f.SetString("value " + string(rune('a'+i)))
		case uint64:
			f.SetUint(uint64(n))
		case bool:
			f.SetBool(true)
		case Direction:
			f.SetInt(int64(Up))
		case metricsource.Part:
			// Alternating between the two known parts: neighbours differ, so
			// a swap shows.
			f.SetUint(uint64(metricsource.PartGauge) + uint64(n%2))
		default:
			t.Fatalf("%T.%s: a field of type %s that filled does not know", v, rv.Type().Field(i).Name, f.Type())
		}
	}
	return v
}

// TestKeptStateIsTheStateKept: every field of State survives setState and
// state, and the modes' record exists only while a mode is set.
func TestKeptStateIsTheStateKept(t *testing.T) {
	var fs fnState
	want := filled[State](t)
	fs.setState(want)
	if got := fs.state(); !reflect.DeepEqual(got, want) {
		t.Fatalf("state() = %+v, want what was set, %+v", got, want)
	}
	modes := fs.modes
	moved := want
	moved.AlertBase++
	fs.setState(moved)
	if fs.modes != modes {
		t.Error("a function staying in a mode allocated a second modes record")
	}
	if got := fs.state(); !reflect.DeepEqual(got, moved) {
		t.Fatalf("state() = %+v after a change, want %+v", got, moved)
	}
	plain := State{Recommendations: want.Recommendations, LastScale: want.LastScale, LastScaleDir: Down}
	fs.setState(plain)
	if fs.modes != nil {
		t.Errorf("a state with no mode set keeps a modes record %+v", *fs.modes)
	}
	if got := fs.state(); !reflect.DeepEqual(got, plain) {
		t.Fatalf("state() = %+v, want %+v", got, plain)
	}
}

// TestKeptObservationIsTheObservationKept: every input of an Observation
// survives keepObs and observation, with the loop's windows; the rarer
// inputs' record is reused while needed and dropped when not.
func TestKeptObservationIsTheObservationKept(t *testing.T) {
	want := filled[Observation](t)
	var fs fnState
	fs.keepObs(want)
	if got := fs.observation(want.StableWindow, want.BurstWindow); !reflect.DeepEqual(got, want) {
		t.Fatalf("observation() = %+v, want what was kept, %+v", got, want)
	}
	k := fs.obs
	if k.sameMore(want.ScheduledMin, want.ScheduledMinReason, want.LowerBound) { // want has a signal
		t.Error("sameMore ignores the kept signal")
	}
	more := k.more
	again := want
	again.Signal = nil
	k, _ = keepObs(again, k.more)
	if k.more != more {
		t.Error("keeping a second observation with a scheduled minimum allocated a second record")
	}
	if !k.sameMore(want.ScheduledMin, want.ScheduledMinReason, want.LowerBound) || k.sameMore(want.ScheduledMin+1, want.ScheduledMinReason, want.LowerBound) ||
		k.sameMore(want.ScheduledMin, "", want.LowerBound) {
		t.Error("sameMore does not compare the scheduled minimum and its reason")
	}
	if k.sameMore(want.ScheduledMin, want.ScheduledMinReason, "") {
		t.Error("sameMore does not compare the loads' lower bound")
	}
	plain := Observation{Replicas: 3, Available: 2, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	fs.obs = k
	fs.keepObs(plain)
	k = fs.obs
	if k.more != nil {
		t.Errorf("an observation with no signal and no minimum keeps %+v", *k.more)
	}
	if got := fs.observation(time.Minute, 10*time.Second); !reflect.DeepEqual(got, plain) {
		t.Fatalf("observation() = %+v, want %+v", got, plain)
	}
	if !k.sameMore(0, "", "") || k.sameMore(0, "", "gateway instance down") {
		t.Error("sameMore: no minimum and no signal kept, asked about none")
	}
}

// TestKeepingAStateWithoutModesAllocatesNothing: most functions are in no
// mode, and every decision keeps a state. (Taking the address of the
// record built for the comparison moved it to the heap on every call: at
// 100,000 functions a collection running during a pass found 11.5 MB of
// them live.)
func TestKeepingAStateWithoutModesAllocatesNothing(t *testing.T) {
	var fs fnState
	plain := State{Recommendations: []Recommendation{{At: InstantOf(t0), Replicas: 1}}, LastScale: t0, LastScaleDir: Up}
	if n := testing.AllocsPerRun(100, func() { fs.setState(plain) }); n != 0 {
		t.Errorf("setState of a state in no mode allocated %.0f times, want 0", n)
	}
	o := Observation{Replicas: 1, Available: 1, StableWindow: time.Minute}
	if n := testing.AllocsPerRun(100, func() { fs.keepObs(o) }); n != 0 {
		t.Errorf("keepObs of an observation with no signal or minimum allocated %.0f times, want 0", n)
	}
}

// TestEachFunctionKeepsItsOwnReadings: a pass decides functions one after
// another with their readings in one reused pair (Loop.readings); what each
// keeps and explains afterwards is its own, present or missing.
func TestEachFunctionKeepsItsOwnReadings(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 1, map[string]string{}), function(refB, 1, map[string]string{}),
		function(refC, 1, map[string]string{}))
	e.src.Set("rps", refA, 7)
	e.src.Set("rps", refB, 40)
	// refC has no reading: missing, not the last function's.
	if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ref  provider.Ref
		want *float64
	}{{refA, ptr(7)}, {refB, ptr(40)}, {refC, nil}} {
		f, ok := e.loop.Explain(tc.ref)
		if !ok {
			t.Fatalf("%s: not explained", tc.ref)
		}
		o := f.Observation.(Observation)
		if !reflect.DeepEqual(o.StableLoad, tc.want) || !reflect.DeepEqual(o.BurstLoad, tc.want) {
			t.Errorf("%s: explained stable %v burst %v, want %v", tc.ref, deref(o.StableLoad), deref(o.BurstLoad), deref(tc.want))
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return "missing"
	}
	return *p
}
