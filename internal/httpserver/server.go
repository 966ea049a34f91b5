package httpserver

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Options bounds what one client, or many, can hold of the server.
type Options struct {
	// ReadHeaderTimeout bounds a client that opens a connection and sends a
	// request line and headers slowly (or never).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included: a body
	// trickled a byte at a time is cut off here.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response to a client that does not read.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request for this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (4096 to
	// MaxHeaderBytesLimit).
	MaxHeaderBytes int
	// MaxConns caps open connections (see Listen); 0 = no cap.
	MaxConns int
	// MaxInFlight caps requests being handled at once; beyond it the server
	// answers 503 with Retry-After. 0 = no cap.
	MaxInFlight int
	// RetryAfter is the Retry-After sent with that 503 (whole seconds, ≥ 1).
	RetryAfter time.Duration
	// Exempt paths are always handled, whatever is in flight: the probes
	// must not fail because AlertManager is busy. A failed readiness probe
	// takes the leader out of its Service, and the webhooks then cannot
	// connect at all instead of being answered 503 and retried.
	Exempt []string
}

// Default is what the controller serves with. AlertManager's webhook bodies
// are small and sent over keep-alive connections; Prometheus scrapes
// /metrics every few seconds. Nothing legitimate needs more than these.
func Default() Options {
	return Options{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		// Shorter than Go clients' 90 s idle pool timeout would race them;
		// AlertManager retries a notification whose connection was closed.
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 64 << 10,
		// Well under the usual 1,024 soft limit on file descriptors, so a
		// flood of connections cannot starve the provider and Prometheus clients.
		MaxConns:    512,
		MaxInFlight: 128,
		RetryAfter:  time.Second,
		// Both probes are cheap (no I/O) and bounded by MaxConns.
		Exempt: []string{"/healthz", "/readyz"},
	}
}

// Validate names the first option that cannot be used.
func (o Options) Validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"read header timeout", o.ReadHeaderTimeout}, {"read timeout", o.ReadTimeout}, {"write timeout", o.WriteTimeout}, {"idle timeout", o.IdleTimeout}} {
		// Zero would mean "no deadline" to net/http: exactly what this package prevents.
		if d.v <= 0 {
			return fmt.Errorf("http %s %s: must be positive", d.name, d.v)
		}
	}
	switch {
	case o.MaxHeaderBytes < 4<<10 || o.MaxHeaderBytes > MaxHeaderBytesLimit:
		return fmt.Errorf("http max header bytes %d: must be from 4096 to %d", o.MaxHeaderBytes, MaxHeaderBytesLimit)
	case o.MaxConns < 0:
		return fmt.Errorf("http max connections %d: must be 0 (no cap) or positive", o.MaxConns)
	case o.MaxInFlight < 0:
		return fmt.Errorf("http max in-flight requests %d: must be 0 (no cap) or positive", o.MaxInFlight)
	case o.MaxConns > 0 && o.MaxInFlight > o.MaxConns:
		return fmt.Errorf("http max in-flight requests %d: above max connections %d", o.MaxInFlight, o.MaxConns)
	}
	return nil
}

// New returns a server for h with every deadline of o set, the in-flight cap
// around h, and its error log routed into logger at WARN (component=http).
// It does not validate o; call Validate where the options are configured.
func New(h http.Handler, o Options, logger *slog.Logger) *http.Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxInFlight > 0 {
		h = LimitInFlight(h, o.MaxInFlight, o.RetryAfter, o.Exempt...)
	}
	h = dropUnreadBody(h)
	// Outermost: the connection is answered once every wrapper has returned.
	h = markAnswered(h)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		// "http: Accept error: … too many open files" and TLS/handshake
		// errors are operational warnings, and must be structured like the rest.
		ErrorLog:    slog.NewLogLogger(logger.With("component", "http").Handler(), slog.LevelWarn),
		ConnState:   trackState,
		ConnContext: connContext,
	}
}

// LimitInFlight answers 503 with Retry-After when max requests are already
// being handled, except for the exempt paths. It never queues: a queue would
// hold the connection (and its goroutine) that the cap is there to bound.
func LimitInFlight(h http.Handler, max int, retryAfter time.Duration, exempt ...string) http.Handler {
	slots := make(chan struct{}, max)
	free := make(map[string]bool, len(exempt))
	for _, p := range exempt {
		free[p] = true
	}
	secs := int(retryAfter.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	retry := strconv.Itoa(secs)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if free[r.URL.Path] {
			h.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			w.Header().Set("Retry-After", retry)
			// Close the connection: a client over the cap should not keep a
			// slot of the connection cap either.
			w.Header().Set("Connection", "close")
			// JSON, as every other answer of the webhook and the explain
			// API ({"result", "error"} reads as either's): a plain-text
			// 503 broke a relay or `curl | jq` under load.
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(struct {
				Result string `json:"result"`
				Error  string `json:"error"`
			}{"unavailable", fmt.Sprintf("overloaded: %d requests in flight; retry after %ss", max, retry)})
		}
	})
}

// MaxHeaderBytesLimit is the largest Options.MaxHeaderBytes: net/http reads
// headers up to the bound plus 4096, which overflowed to a negative limit
// near the largest int (every request answered 431).
const MaxHeaderBytesLimit = 64 << 20
