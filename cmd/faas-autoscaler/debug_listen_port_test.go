package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestMalformedDebugListenExitsTwo: the README promises that "a bad
// value exits with status 2 and names the flag", and Validate checks the
// form of --listen for exactly that reason ("a malformed address failed with
// exit 1 as if at run time"). --debug-listen is checked only for a colon: a
// port that is not a port (99999, a word) passes Validate, the controller is
// wired and started, and the bind fails with exit 1, a run-time failure, as
// if the address were merely taken. The same value given to --listen exits 2.
// Found by a review helper.
func TestMalformedDebugListenExitsTwo(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:99999", "127.0.0.1:pprof"} {
		t.Run(addr, func(t *testing.T) {
			out, err := exec.Command(binary, "run", "--listen", "127.0.0.1:0", "--duration", "5s",
				"--debug-listen", addr).CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != 2 {
				t.Errorf("--debug-listen %s: exit %d, want 2 (a bad flag value, as --listen %s exits 2):\n%s", addr, code, addr, out)
			}
			if !strings.Contains(string(out), "--debug-listen") {
				t.Errorf("the message does not name --debug-listen:\n%s", out)
			}
		})
	}
}
