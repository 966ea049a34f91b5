// Package httpserver builds the controller's HTTP server so that hostile or
// unlucky clients cannot exhaust it (issue 15, item 1): every phase of a
// connection has a deadline (header, body, response, idle keep-alive), the
// number of open connections is capped by the listener, the number of
// requests in flight is capped by a handler that answers 503 with
// Retry-After beyond it (except the probes, /healthz and /readyz, which always
// answer), and
// the standard library's own "http: …" log lines go through slog so that
// --log-format json stays JSON.
//
// Usage:
//
//	opts := httpserver.Default()
//	ln, err := httpserver.Listen(addr, opts.MaxConns)
//	srv := httpserver.New(mux, opts, logger)
//	err = srv.Serve(ln)
package httpserver
