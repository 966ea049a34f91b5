package main

import (
	"context"
	"log/slog"
	"os"
	"sync"
)

// secondSignalExit is the exit status when a second SIGINT or SIGTERM cuts
// a shutdown short: 1, a run-time failure, since the controller did not
// stop cleanly (a queued intent may be dropped, the Lease not released);
// 0 is a clean stop and 2 a bad flag.
const secondSignalExit = 1

// shutdownOnSignal returns a context that ends at the first signal on sigs,
// which starts the clean shutdown (up to the HTTP drain and, under leader
// election, the Lease's release). A second signal ends the process at once
// through exit: an operator pressing Ctrl-C twice, or a supervisor that
// repeats SIGTERM, expects that, where signal.NotifyContext swallowed every
// signal after the first and the process waited the shutdown out. stop
// releases the context and ends the watch.
func shutdownOnSignal(parent context.Context, sigs <-chan os.Signal, log *slog.Logger, exit func(code int)) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			log.Info("shutting down; a second signal exits at once", "signal", sig.String())
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-sigs:
			// ERROR: shown at every --log-level, the demo's included.
			log.Error("second signal: exiting now, without waiting for the shutdown to finish",
				"signal", sig.String(), "exit", secondSignalExit)
			exit(secondSignalExit)
		case <-done:
		}
	}()
	return ctx, sync.OnceFunc(func() { cancel(); close(done) })
}
