package idler

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The kept parse answers its error (kept behind a pointer) for as long as
// it answers its spec, and a parse of valid labels after invalid ones
// answers none.
func TestParsedSpecKeepsItsError(t *testing.T) {
	fn := provider.Function{Ref: ref("f"), Labels: map[string]string{LabelZero: "yes"}}
	var c scaler.ParsedSpec
	d := scaler.DefaultDefaults()
	_, parsed, first := c.Of(&fn, &d, 1)
	if !parsed || first == nil {
		t.Fatalf("invalid labels: parsed %v, error %v; want a parse and an error", parsed, first)
	}
	if _, parsed, err := c.Of(&fn, &d, 1); parsed || err != first {
		t.Errorf("the same invalid labels: parsed %v, error %v; want the kept error %v", parsed, err, first)
	}
	fn.Labels = map[string]string{LabelZero: "true"}
	if s, parsed, err := c.Of(&fn, &d, 1); !parsed || err != nil || !s.Zero {
		t.Errorf("valid labels: parsed %v, error %v, zero %v; want a parse, no error, opted in", parsed, err, s.Zero)
	}
	if _, parsed, err := c.Of(&fn, &d, 1); parsed || err != nil {
		t.Errorf("the same valid labels: parsed %v, error %v; want the kept parse, no error", parsed, err)
	}
	fn.Labels = map[string]string{LabelZero: "yes"}
	if _, parsed, err := c.Of(&fn, &d, 1); !parsed || err == nil {
		t.Errorf("invalid labels again: parsed %v, error %v; want a parse and an error", parsed, err)
	}
}
