package testenv

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB whose Fatal and Skip record the message and end
// the goroutine, as the real ones do.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.fatal = args[0].(string)
	runtime.Goexit()
}
func (r *recorder) Skip(args ...any) {
	r.skip = args[0].(string)
	runtime.Goexit()
}

// run calls f with a recorder in its own goroutine and returns the record.
func run(f func(t testing.TB)) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestSkipOrFail(t *testing.T) {
	t.Setenv("CI", "")
	if r := run(func(t testing.TB) { SkipOrFail(t, "no tool") }); r.skip != "no tool" || r.fatal != "" {
		t.Errorf("outside CI: skip %q, fatal %q; want a skip", r.skip, r.fatal)
	}
	t.Setenv("CI", "true")
	if r := run(func(t testing.TB) { SkipOrFail(t, "no tool") }); r.skip != "" || !strings.HasPrefix(r.fatal, "no tool") {
		t.Errorf("under CI=true: skip %q, fatal %q; want a failure", r.skip, r.fatal)
	}
}

func TestLookPathAndNeedPath(t *testing.T) {
	t.Setenv("CI", "true")
	var got string
	if r := run(func(t testing.TB) { got = LookPath(t, "", "no-such-tool-here", "go") }); r.fatal != "" || filepath.Base(got) != "go" {
		t.Errorf("LookPath = %q (fatal %q), want the go on PATH", got, r.fatal)
	}
	r := run(func(t testing.TB) { LookPath(t, "install it", "no-such-tool-here") })
	if !strings.Contains(r.fatal, "no-such-tool-here") || !strings.Contains(r.fatal, "install it") {
		t.Errorf("missing tool under CI: %q", r.fatal)
	}
	dir := t.TempDir()
	if r := run(func(t testing.TB) { NeedPath(t, dir, "") }); r.fatal != "" {
		t.Errorf("an existing path: %q", r.fatal)
	}
	if r := run(func(t testing.TB) { NeedPath(t, "/no/such/dir", "get the traces") }); !strings.Contains(r.fatal, "get the traces") {
		t.Errorf("a missing path under CI: %q", r.fatal)
	}
	t.Setenv("NO_SUCH_TOOL_DIR", "")
	if r := run(func(t testing.TB) { EnvPath(t, "NO_SUCH_TOOL_DIR", "run make") }); !strings.Contains(r.fatal, "NO_SUCH_TOOL_DIR is not set; run make") {
		t.Errorf("unset env under CI: %q", r.fatal)
	}
}

func TestWaitFor(t *testing.T) {
	n := 0
	if r := run(func(t testing.TB) { WaitFor(t, time.Minute, "three calls", func() bool { n++; return n == 3 }) }); r.fatal != "" || n != 3 {
		t.Errorf("fatal %q after %d calls, want none after 3", r.fatal, n)
	}
	r := run(func(t testing.TB) {
		WaitFor(t, 50*time.Millisecond, "never", func() bool { return false }, func() string { return "last: 7" })
	})
	if !strings.Contains(r.fatal, "waiting for never") || !strings.Contains(r.fatal, "last: 7") {
		t.Errorf("timeout message %q", r.fatal)
	}
}
