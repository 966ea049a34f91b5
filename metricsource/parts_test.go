package metricsource

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestPartsAreWrittenByName: JSON says "gauge" and "arrivals" (and nothing
// for unknown, under omitzero), reads them back, and refuses other names.
func TestPartsAreWrittenByName(t *testing.T) {
	type obs struct {
		P Part `json:"p,omitzero"`
	}
	for p, want := range map[Part]string{PartUnknown: `{}`, PartGauge: `{"p":"gauge"}`, PartArrivals: `{"p":"arrivals"}`} {
		b, err := json.Marshal(obs{p})
		if err != nil || string(b) != want {
			t.Errorf("%d: %s, %v; want %s", p, b, err, want)
		}
		var back obs
		if err := json.Unmarshal(b, &back); err != nil || back.P != p {
			t.Errorf("%s read back as %d, %v", b, back.P, err)
		}
	}
	var back obs
	if err := json.Unmarshal([]byte(`{"p":"queue"}`), &back); err == nil {
		t.Error(`"queue" read as a part`)
	}
	if _, err := json.Marshal(obs{Part(9)}); err == nil {
		t.Error("part 9 written")
	}
}

// TestPartOfAReading: nil parts say nothing; a reading listed is its part,
// a reading not listed the gauge's, no reading no part.
func TestPartOfAReading(t *testing.T) {
	a, b, c := provider.Ref{Name: "a"}, provider.Ref{Name: "b"}, provider.Ref{Name: "c"}
	vals := Values{a: 1, b: 2}
	var none Parts
	if none.Of(a, vals) != PartUnknown {
		t.Error("nil parts said a part")
	}
	p := Parts{b: PartArrivals}
	for ref, want := range map[provider.Ref]Part{a: PartGauge, b: PartArrivals, c: PartUnknown} {
		if got := p.Of(ref, vals); got != want {
			t.Errorf("%s: %q, want %q", ref, got, want)
		}
		// For, told whether there is a reading, answers as Of does.
		_, has := vals[ref]
		if got := p.For(ref, has); got != want {
			t.Errorf("For(%s, %v): %q, want %q", ref, has, got, want)
		}
	}
	if none.For(a, true) != PartUnknown {
		t.Error("nil parts said a part through For")
	}
}

// plainSource answers Load and LoadFor, and says which was asked.
type plainSource struct{ asked []string }

func (s *plainSource) Load(context.Context, LoadQuery) (Values, error) {
	s.asked = append(s.asked, "load")
	return Values{{Name: "a"}: 1, {Name: "b"}: 2}, nil
}

func (s *plainSource) LoadFor(_ context.Context, _ LoadQuery, refs []provider.Ref) (Values, error) {
	s.asked = append(s.asked, "load-for")
	return Values{refs[0]: 1}, nil
}

func (s *plainSource) Activity(context.Context, time.Duration) (Activity, error) {
	return Activity{}, nil
}

// TestLoadPartsOfASourceThatSaysNone: Load for every function, LoadFor for
// refs, and no parts.
func TestLoadPartsOfASourceThatSaysNone(t *testing.T) {
	src := &plainSource{}
	q := LoadQuery{Type: TypeCapacity, Window: time.Minute}
	all, parts, err := LoadParts(context.Background(), src, q, nil)
	if err != nil || parts != nil || len(all) != 2 {
		t.Errorf("all: %v, %v, %v", all, parts, err)
	}
	one, parts, err := LoadParts(context.Background(), src, q, []provider.Ref{{Name: "a"}})
	if err != nil || parts != nil || len(one) != 1 {
		t.Errorf("refs: %v, %v, %v", one, parts, err)
	}
	if len(src.asked) != 2 || src.asked[0] != "load" || src.asked[1] != "load-for" {
		t.Errorf("asked %v, want [load load-for]", src.asked)
	}
}
