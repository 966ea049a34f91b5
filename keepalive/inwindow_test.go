package keepalive

import "testing"

// TestInWindowWordsAreTheCodeAndTheWindow holds inWindowWords to what
// KeepAlive said inside a pre-warm window before its words were made once:
// the plan's code and " (in the pre-warm window)", for every code, with or
// without a window.
func TestInWindowWordsAreTheCodeAndTheWindow(t *testing.T) {
	for _, c := range []Code{CodeLearning, CodeKeepAlive, CodePreWarm, CodePeriodic, CodeZeroNow, "", "other"} {
		if got, want := inWindowWords(c), string(c)+" (in the pre-warm window)"; got != want {
			t.Errorf("inWindowWords(%q) = %q, want %q", c, got, want)
		}
	}
}
