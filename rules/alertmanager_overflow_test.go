package rules

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestAlertmanagerRepeatBoundDoesNotOverflow: Validate's bound on repeat +
// group interval + 5 s is compared without summing durations that can wrap:
// a repeat or a group interval near time.Duration's maximum is refused as
// past the step alert's minute, not taken for a negative sum.
//
// Seen failing before the fix: with the plain sum back in Validate, the
// repeat intervals of 2562047h47m10s (with the default 5s group interval)
// and the largest whole-millisecond duration validated without error.
func TestAlertmanagerRepeatBoundDoesNotOverflow(t *testing.T) {
	for _, tc := range []struct{ group, repeat time.Duration }{
		{5 * time.Second, 2562047*time.Hour + 47*time.Minute + 10*time.Second},
		{5 * time.Second, math.MaxInt64 / time.Millisecond * time.Millisecond},
		{2562047*time.Hour + 47*time.Minute + 16*time.Second, 2562047*time.Hour + 47*time.Minute + 16*time.Second},
	} {
		o := DefaultAlertmanagerOptions()
		o.GroupInterval, o.RepeatInterval = tc.group, tc.repeat
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), "re-sent up to the repeat interval plus the group interval") {
			t.Errorf("group interval %s, repeat interval %s: Validate() = %v, want the step alert's bound refused", tc.group, tc.repeat, err)
		}
	}
}
