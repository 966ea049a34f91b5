package metricsource

import (
	"fmt"
	"testing"
)

// TestPartialWhyOfNoErrorAllocatesNothing: the scaler asks PartialWhy of
// every load answer of every pass, and nearly all of them carry no error;
// asking about nil must cost no allocation (it was 75,000 a replayed day),
// and the answers stay what they were.
func TestPartialWhyOfNoErrorAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { PartialWhy(nil) }); n != 0 {
		t.Errorf("PartialWhy(nil): %v allocations, want 0", n)
	}
	if why, ok := PartialWhy(nil); ok || why != "" {
		t.Errorf("PartialWhy(nil) = %q, %v; want \"\", false", why, ok)
	}
	wrapped := fmt.Errorf("query q: %w", &PartialError{Why: "store down"})
	if why, ok := PartialWhy(wrapped); !ok || why != "store down" {
		t.Errorf("PartialWhy(wrapped) = %q, %v; want \"store down\", true", why, ok)
	}
	if why, ok := PartialWhy(ErrUnavailable); ok || why != "" {
		t.Errorf("PartialWhy(ErrUnavailable) = %q, %v; want \"\", false", why, ok)
	}
}
