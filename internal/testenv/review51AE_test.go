package testenv

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// WaitFor's detail is optional ("when given"), and a caller passes nil for
// "none": internal/teststack/exited_test.go calls
// WaitFor(t, 10*time.Second, "the killed server to read as exited", cond, nil).
// On a timeout WaitFor calls every detail, the nil one too: the test
// panics with a nil-function dereference instead of failing with "timed
// out after 10s waiting for the killed server to read as exited", so the
// one line that says what went wrong is lost in a goroutine dump.
//
// Expected: a nil detail is skipped; the timeout fails t with the message.
func TestReview51AE_WaitForWithANilDetailFailsInsteadOfPanicking(t *testing.T) {
	var panicked any
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		WaitFor(r, 30*time.Millisecond, "the killed server to read as exited", func() bool { return false }, nil)
	}()
	<-done
	if panicked != nil || !strings.Contains(r.fatal, "waiting for the killed server to read as exited") {
		t.Errorf("WaitFor with a nil detail timed out: panic %v, fatal %q; want a failure naming what it waited for",
			fmt.Sprint(panicked), r.fatal)
	}
}
