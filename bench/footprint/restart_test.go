package footprint

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// parseRestart reads FOOTPRINT_RESTART_AFTER: 0 when unset, else a
// duration that leaves each process at least a minute, both before the
// restart and after it up to the run's end. Each process's figure is its
// last minute's mean (rssStats): a process that lives less than that
// minute has only its start-up in it, the phase the figure leaves out.
func parseRestart(getenv func(string) string, dur time.Duration) (time.Duration, error) {
	v := getenv("FOOTPRINT_RESTART_AFTER")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || dur-d < time.Minute {
		return 0, fmt.Errorf("FOOTPRINT_RESTART_AFTER=%q: want a Go duration of at least 1m and at least 1m below FOOTPRINT_DURATION (%v), so that each process has a last minute to measure", v, dur)
	}
	return d, nil
}

// stopController stops ctl as the kubelet does: SIGTERM, then a kill
// after the chart's 30 s grace period.
func stopController(t *testing.T, ctl *exec.Cmd, logs *teststack.SyncBuffer) {
	t.Helper()
	if err := ctl.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("controller: SIGTERM: %v\n%s", err, logs.String())
	}
	done := make(chan error, 1)
	go func() { done <- ctl.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Logf("controller stopped: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = ctl.Process.Kill()
		<-done
		t.Logf("controller did not stop within 30 s of SIGTERM: killed")
	}
}

func TestParseRestart(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "FOOTPRINT_RESTART_AFTER" {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		v    string
		want time.Duration
		bad  bool
	}{
		{"", 0, false}, {"20m", 20 * time.Minute, false},
		{"0s", 0, true}, {"-1m", 0, true}, {"25m", 0, true}, {"30m", 0, true}, {"soon", 0, true},
		{"1m", time.Minute, false}, {"24m", 24 * time.Minute, false}, {"59s", 0, true}, {"24m1s", 0, true},
	} {
		got, err := parseRestart(env(tc.v), 25*time.Minute)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("FOOTPRINT_RESTART_AFTER=%q: %v, %v; want %v (error: %v)", tc.v, got, err, tc.want, tc.bad)
		}
	}
}
