package idler

import (
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestScalerAskedOnlyAboutFunctionsThatCouldIdle: a cycle asks the scaler
// for the last scale-up only of functions whose verdict can depend on it:
// not those at zero, nor those held by a scheduled minimum (Decide answers
// them first). Both kinds' verdicts are what they were when it asked. Seen
// failing with every opted-in function asked.
func TestScalerAskedOnlyAboutFunctionsThatCouldIdle(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	var asked []string
	cfg := Config{RecentScaleUp: func(r provider.Ref) time.Time {
		asked = append(asked, r.Name)
		return time.Now().Add(-time.Minute) // every function just scaled up
	}}
	e := newEnv(t, cfg,
		function("running", 2, old, optIn()),
		function("zero", 0, old, optIn()),
		function("held", 2, old, optIn(MinScheduleLabel, "* * * * * for 1h = 2")),
		function("plain", 1, old, nil))
	rep := e.d.RunOnce(t.Context(), time.Now())
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	if want := []string{"running"}; !slices.Equal(asked, want) {
		t.Errorf("the scaler was asked about %q, want %q", asked, want)
	}
	for name, code := range map[string]Code{"running": CodeRecentlyScaled, "zero": CodeAlreadyZero,
		"held": CodeScheduledMin, "plain": CodeNotOptedIn} {
		if v := verdictOf(rep, ref(name)); v.Code != code {
			t.Errorf("%s: %s (%s), want %s", name, v.Code, v.Reason, code)
		}
	}
}
