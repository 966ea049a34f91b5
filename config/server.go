package config

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/httpserver"
)

// Server bounds what clients can hold of the controller's HTTP server (the
// webhook, /metrics, the explain API, /healthz): issue 15's finding 1 was a
// server with no deadline and no cap. The listen address is wiring and stays
// a flag (--listen); these are tuning, read at start only (a reload names
// them as restart-only: the listener and the server are built once).
type Server struct {
	// ReadHeaderTimeout bounds a client that sends its request line and
	// headers slowly, or never.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing a response to a client that does not read.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout closes a keep-alive connection with no request this long.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxConnections caps open connections; at the cap the longest-idle one
	// is closed to let a new one in. 0 = no cap.
	MaxConnections int `yaml:"max_connections"`
	// MaxInFlight caps requests handled at once; beyond it 503 with
	// Retry-After (never the probes /healthz and /readyz). 0 = no cap.
	MaxInFlight int `yaml:"max_in_flight"`
	// RetryAfter is the Retry-After sent with that 503, in whole seconds.
	RetryAfter time.Duration `yaml:"retry_after"`
}

// ServerFrom converts the HTTP server's options to their configuration form.
func ServerFrom(o httpserver.Options) Server {
	return Server{ReadHeaderTimeout: o.ReadHeaderTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		IdleTimeout: o.IdleTimeout, MaxHeaderBytes: o.MaxHeaderBytes, MaxConnections: o.MaxConns,
		MaxInFlight: o.MaxInFlight, RetryAfter: o.RetryAfter}
}

// Options converts s to the HTTP server's options; the paths exempt from the
// in-flight cap (/healthz, /readyz) are wiring and come from httpserver.Default.
func (s Server) Options() httpserver.Options {
	o := httpserver.Default()
	o.ReadHeaderTimeout, o.ReadTimeout, o.WriteTimeout, o.IdleTimeout = s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout
	o.MaxHeaderBytes, o.MaxConns, o.MaxInFlight, o.RetryAfter = s.MaxHeaderBytes, s.MaxConnections, s.MaxInFlight, s.RetryAfter
	return o
}

// serverProblems are the checks of httpserver.Options.Validate, with the
// configuration's key names (a test holds the two in agreement).
func (s Server) problems(bad func(key, format string, a ...any)) {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"server.read_header_timeout", s.ReadHeaderTimeout}, {"server.read_timeout", s.ReadTimeout},
		{"server.write_timeout", s.WriteTimeout}, {"server.idle_timeout", s.IdleTimeout}} {
		// Zero is "no deadline" to net/http: exactly what finding 1 was.
		if d.v <= 0 {
			bad(d.key, "must be above 0s (0 would mean no deadline), got %s", formatDuration(d.v))
		}
	}
	if s.MaxHeaderBytes < 4<<10 || s.MaxHeaderBytes > httpserver.MaxHeaderBytesLimit {
		// Above it (the largest int for "unlimited") net/http's read limit,
		// the bound plus 4096, wrapped negative and every request, /healthz
		// too, got 431 (a review's finding).
		bad("server.max_header_bytes", "must be from 4096 to %d (64 MiB), got %d", httpserver.MaxHeaderBytesLimit, s.MaxHeaderBytes)
	}
	if s.MaxConnections < 0 {
		bad("server.max_connections", "must be 0 (no cap) or above, got %d", s.MaxConnections)
	}
	switch {
	case s.MaxInFlight < 0:
		bad("server.max_in_flight", "must be 0 (no cap) or above, got %d", s.MaxInFlight)
	case s.MaxConnections > 0 && s.MaxInFlight > s.MaxConnections:
		bad("server.max_in_flight", "must not be above server.max_connections %d, got %d", s.MaxConnections, s.MaxInFlight)
	}
	if s.RetryAfter < time.Second || s.RetryAfter%time.Second != 0 {
		// The header is whole seconds: 1500ms would go out as 2 in silence.
		bad("server.retry_after", "must be whole seconds, at least 1s (Retry-After is whole seconds), got %s", formatDuration(s.RetryAfter))
	}
}
