package provider

import (
	"errors"
	"fmt"
	"testing"
)

// TestIsConflict: a conflict is found through wrapping, anything else is
// not one, and asking about no error allocates nothing (the actuator asks
// after every write).
func TestIsConflict(t *testing.T) {
	conflict := &ConflictError{Ref: Ref{Name: "f", Namespace: "fn"}, Expected: 1, Current: 2}
	if c, ok := IsConflict(fmt.Errorf("scale: %w", conflict)); !ok || c != conflict {
		t.Errorf("wrapped conflict: %v, %v", c, ok)
	}
	for _, err := range []error{nil, errors.New("boom"), ErrNotFound} {
		if c, ok := IsConflict(err); ok || c != nil {
			t.Errorf("IsConflict(%v) = %v, %v; want none", err, c, ok)
		}
	}
	if n := testing.AllocsPerRun(100, func() { IsConflict(nil) }); n != 0 {
		t.Errorf("IsConflict(nil) allocates %v times", n)
	}
}
