package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A stack whose controller dies on its own says so, naming it: the
// reaction bench counts a run across such a death as failed, not as a
// reaction that "never came" (which would flatter the other setting).
//
// Seen failing: with Controller.Exited always nil, Died() stayed nil
// after the process was killed.
func TestStackDiedNamesTheDeadProcess(t *testing.T) {
	t.Parallel()
	st := Start(t, Options{Binary: controllerBin})
	if err := st.Died(); err != nil {
		t.Fatalf("fresh stack: Died() = %v", err)
	}
	st.Controller.mu.Lock()
	proc := st.Controller.cmd.Process
	st.Controller.mu.Unlock()
	if err := proc.Kill(); err != nil { // from outside: a crash, an OOM kill
		t.Fatal(err)
	}
	Eventually(t, 10*time.Second, "Died() to name the killed controller", func() (bool, string) {
		err := st.Died()
		return err != nil && strings.Contains(err.Error(), "controller"), fmt.Sprintf("Died() = %v", err)
	})
}
