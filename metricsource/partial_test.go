package metricsource

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestLoadAlignedPartial: a *PartialError from LoadParts comes with its
// lower bounds as readings (a function absent from them missing), and the
// error is returned beside them; every other error with none (buf as it
// was). Seen failing before LoadAligned read a partial answer's values:
// "partial: readings [{5 true } {0 false }], err metrics source unavailable:
// query q: the answer may be partial: store down; want [{2 true gauge}
// {0 false }] and the PartialError".
func TestLoadAlignedPartial(t *testing.T) {
	a, b := provider.Ref{Name: "a"}, provider.Ref{Name: "b"}
	pe := &PartialError{Query: "q", Why: "store down"}
	src := &partedSource{vals: Values{a: 2}, parts: Parts{}, err: pe}
	fns := []provider.Function{{Ref: a}, {Ref: b}}
	q := LoadQuery{Type: TypeCapacity, Window: time.Minute}
	buf := []Reading{{Value: 5, Has: true}, {}}
	out, err := LoadAligned(context.Background(), src, q, fns, true, buf)
	want := []Reading{{Value: 2, Has: true, Part: PartGauge}, {}}
	if why, ok := PartialWhy(err); !ok || why != "store down" || !slices.Equal(out, want) {
		t.Errorf("partial: readings %v, err %v; want %v and the PartialError", out, err, want)
	}

	src.err = errors.Join(ErrUnavailable, errors.New("refused"))
	buf = []Reading{{Value: 5, Has: true}, {}}
	if out, err := LoadAligned(context.Background(), src, q, fns, true, buf); err == nil || out[0] != buf[0] {
		t.Errorf("failed: %v, %v; want the error and buf as it was", out, err)
	}
}

// TestPartialErrorIsUnavailable: a caller that does not look for a
// partial answer's readings reads it as the source unavailable.
func TestPartialErrorIsUnavailable(t *testing.T) {
	err := error(&PartialError{Query: "sum(x)", Why: "No StoreAPIs matched for this query"})
	wrapped := errors.Join(errors.New("load rps"), err)
	if !errors.Is(wrapped, ErrUnavailable) || !errors.Is(wrapped, ErrPartial) {
		t.Errorf("%v: want ErrUnavailable and ErrPartial", wrapped)
	}
	if why, ok := PartialWhy(wrapped); !ok || why != "No StoreAPIs matched for this query" {
		t.Errorf("PartialWhy = %q, %v", why, ok)
	}
	if _, ok := PartialWhy(ErrUnavailable); ok {
		t.Error("PartialWhy(ErrUnavailable) ok; want a plain failure")
	}
	const want = "metrics source unavailable: query sum(x): the answer may be partial: No StoreAPIs matched for this query"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
