package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestVersionRefusesStrayArgument: every subcommand refuses a positional
// argument with exit 2 ("unexpected argument"); `version extra` printed the
// version and exited 0. `version` alone still does.
//
// Seen failing before the fix: without the argument check in dispatch,
// `version extra` and `--version extra` exited 0 with stderr empty.
func TestVersionRefusesStrayArgument(t *testing.T) {
	for _, args := range [][]string{{"version", "extra"}, {"--version", "extra"}} {
		var out, errb bytes.Buffer
		if code := dispatch(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), `unexpected argument "extra"`) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming \"extra\"", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "faas-autoscaler ") {
		t.Errorf("version: exit %d, stdout %q; want 0 and the version", code, out.String())
	}
}
