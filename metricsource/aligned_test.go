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
