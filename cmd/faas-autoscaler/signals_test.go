package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestSecondSignalExitsAtOnce: the first SIGINT/SIGTERM starts the clean
// shutdown; a second one exits at once, non-zero, saying so. Before, run
// used signal.NotifyContext, which swallowed every signal after the first:
// Ctrl-C twice still waited up to 5 s of HTTP drain plus, under leader
// election, the renew deadline.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		sigs := make(chan os.Signal, 1)
		exits := make(chan int, 2)
		ctx, stop := shutdownOnSignal(context.Background(), sigs, log, func(code int) { exits <- code })
		defer stop()

		sigs <- os.Interrupt
		synctest.Wait()
		if ctx.Err() == nil {
			t.Fatal("the first signal did not end the context (no shutdown started)")
		}
		if len(exits) != 0 {
			t.Fatalf("the first signal exited at once (status %d): it must start the clean shutdown", <-exits)
		}

		sigs <- syscall.SIGTERM
		synctest.Wait()
		if len(exits) != 1 {
			t.Fatalf("a second signal during the shutdown did not exit at once; log:\n%s", logs.String())
		}
		if code := <-exits; code == 0 {
			t.Errorf("second signal: exit status 0, want non-zero (the shutdown was cut short)")
		}
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "second signal") {
			t.Errorf("no ERROR line saying a second signal ended the process:\n%s", logs.String())
		}
	})
}

// TestShutdownStopEndsTheWatch: after stop (a clean end, --duration or the
// shutdown done), the watch is gone, and a signal then does not call exit
// (synctest fails the test if the goroutine is left blocked).
func TestShutdownStopEndsTheWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sigs := make(chan os.Signal, 1)
		exits := make(chan int, 1)
		_, stop := shutdownOnSignal(context.Background(), sigs, slog.New(slog.DiscardHandler), func(code int) { exits <- code })
		stop()
		stop() // twice: the deferred stop after an explicit one
		synctest.Wait()
		sigs <- os.Interrupt
		synctest.Wait()
		if len(exits) != 0 {
			t.Error("a signal after stop called exit")
		}
	})
}

// TestRunShutsDownOnSignalThroughTheWatch: `run` takes SIGTERM through
// shutdownOnSignal (its INFO line says a second signal exits at once) and
// still stops cleanly, exit 0, on one signal.
func TestRunShutsDownOnSignalThroughTheWatch(t *testing.T) {
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, "run", "--provider", "memory", "--log-level", "info", "--duration", "60s", "--listen", "fd:3")
	cmd.ExtraFiles = []*os.File{lnFile}
	var logs teststack.SyncBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	if err := teststack.WaitOK("http://"+addr+"/healthz", 15*time.Second, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("one SIGTERM: %v, want a clean exit 0; log:\n%s", err, logTail(logs.String()))
	}
	if !strings.Contains(logs.String(), "a second signal exits at once") || !strings.Contains(logs.String(), "signal=terminated") {
		t.Errorf("no INFO line saying the shutdown started on SIGTERM and a second signal exits at once:\n%s", logTail(logs.String()))
	}
}
