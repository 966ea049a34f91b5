package scaler

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestBeforeKeepsEveryFieldApart: the state a decision was made on, kept
// as fs.before, holds every field of State, and its modes apart from the
// function's own: the function's next setState overwrites fs.modes in
// place, which must not change the state an earlier decision is worded
// from.
func TestBeforeKeepsEveryFieldApart(t *testing.T) {
	want := filled[State](t)
	var fs fnState
	fs.setState(want)
	st := fs.state()
	fs.keepBefore(&State{}, &st) // the decision moved the state: keep st
	if fs.before == nil {
		t.Fatal("a decision that moved the state kept no before")
	}
	if got := fs.before.state(); !reflect.DeepEqual(got, want) {
		t.Fatalf("before = %+v, want every field of %+v", got, want)
	}
	if fs.before.modes == fs.modes {
		t.Fatal("before shares the function's modes record")
	}
	moved := want
	moved.AlertBase, moved.StepKey = 99, "later"
	fs.setState(moved)
	if got := fs.before.state(); !reflect.DeepEqual(got, want) {
		t.Errorf("the next setState changed before to %+v", got)
	}
	modes := fs.before.modes
	fs.keepBefore(&State{}, &moved)
	if fs.before.modes != modes || !reflect.DeepEqual(fs.before.state(), moved) {
		t.Error("a kept before is not overwritten in place, modes record included")
	}
	plain := State{Recommendations: want.Recommendations}
	fs.keepBefore(&State{}, &plain)
	if fs.before.modes != nil {
		t.Errorf("a before with no mode set keeps a modes record %+v", *fs.before.modes)
	}
}

// TestBeforeIsSmall: a called function's state moves at every decision, so
// every function of a called fleet keeps a before (100,000 in the footprint
// benchmark). A whole State (208 bytes) was 20 MB of that heap; the rarely
// set modes are behind a pointer, as in fnState.
func TestBeforeIsSmall(t *testing.T) {
	if got := unsafe.Sizeof(keptState{}); got > 64 {
		t.Errorf("keptState is %d bytes, want at most 64", got)
	}
}
