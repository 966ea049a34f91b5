package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// debugMux serves Go's profiler (net/http/pprof) under /debug/pprof/. It
// lives on its own listener, given with --debug-listen and off by default,
// so profiles (which reveal function names and can cost CPU) are never on
// the public address that AlertManager and scrapers reach.
func debugMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // heap, allocs, goroutine, … by name
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// listenDebug binds --debug-listen at start, so a taken port fails the
// start naming the flag rather than going unnoticed.
func listenDebug(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-listen %s: %w", addr, err)
	}
	return ln, nil
}

// serveDebug serves the profiler on ln until ctx ends. A CPU profile or
// trace runs for the seconds its caller asks, so writes get no timeout;
// reading a request's header still has one.
func serveDebug(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: debugMux(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	err := srv.Serve(ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
