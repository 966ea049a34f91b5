package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/httpserver"
	"github.com/google/go-cmp/cmp"
)

func TestServerMessages(t *testing.T) {
	for _, tc := range []struct {
		set  func(*Server)
		want string
	}{
		{func(s *Server) { s.ReadHeaderTimeout = 0 }, "server.read_header_timeout: must be above 0s (0 would mean no deadline), got 0s"},
		{func(s *Server) { s.ReadTimeout = -time.Second }, "server.read_timeout: must be above 0s (0 would mean no deadline), got -1s"},
		{func(s *Server) { s.WriteTimeout = 0 }, "server.write_timeout: must be above 0s (0 would mean no deadline), got 0s"},
		{func(s *Server) { s.IdleTimeout = 0 }, "server.idle_timeout: must be above 0s (0 would mean no deadline), got 0s"},
		{func(s *Server) { s.MaxHeaderBytes = 4095 }, "server.max_header_bytes: must be from 4096 to 67108864 (64 MiB), got 4095"},
		{func(s *Server) { s.MaxConnections = -1 }, "server.max_connections: must be 0 (no cap) or above, got -1"},
		{func(s *Server) { s.MaxInFlight = -1 }, "server.max_in_flight: must be 0 (no cap) or above, got -1"},
		{func(s *Server) { s.MaxInFlight = 513 }, "server.max_in_flight: must not be above server.max_connections 512, got 513"},
		{func(s *Server) { s.RetryAfter = 999 * time.Millisecond }, "server.retry_after: must be whole seconds, at least 1s (Retry-After is whole seconds), got 999ms"},
		{func(s *Server) { s.RetryAfter = 1500 * time.Millisecond }, "server.retry_after: must be whole seconds, at least 1s (Retry-After is whole seconds), got 1.5s"},
	} {
		c := Default()
		tc.set(&c.Server)
		if err := c.Validate(); err == nil || err.Error() != tc.want {
			t.Errorf("Validate = %v, want %q", err, tc.want)
		}
	}
	// No cap at all is a choice an operator may make (behind a proxy that
	// caps): both zero is valid.
	c := Default()
	c.Server.MaxConnections, c.Server.MaxInFlight = 0, 0
	if err := c.Validate(); err != nil {
		t.Errorf("no caps refused: %v", err)
	}
}

// The configuration's rules are httpserver.Options.Validate's, with key
// names, so a value the file accepts never fails at the listener. The one
// difference: the file wants retry_after in whole seconds ≥ 1s, where the server rounds up.
func TestServerRulesMatchHTTPServer(t *testing.T) {
	values := map[string][]any{
		"ReadHeaderTimeout": {time.Duration(0), time.Nanosecond, -time.Second},
		"ReadTimeout":       {time.Duration(0), time.Second},
		"WriteTimeout":      {time.Duration(0), time.Second},
		"IdleTimeout":       {time.Duration(-1), time.Second},
		"MaxHeaderBytes":    {0, 4095, 4096},
		"MaxConnections":    {-1, 0, 1, 127, 128},
		"MaxInFlight":       {-1, 0, 128, 129, 513},
		"RetryAfter":        {time.Second, time.Hour},
	}
	typ := reflect.TypeFor[Server]()
	for i := range typ.NumField() {
		if values[typ.Field(i).Name] == nil {
			t.Errorf("no test values for Server.%s: add them", typ.Field(i).Name)
		}
	}
	for field, vs := range values {
		for _, v := range vs {
			c := Default()
			c.Server.MaxConnections = 128
			reflect.ValueOf(&c.Server).Elem().FieldByName(field).Set(reflect.ValueOf(v))
			var ours []string
			for _, p := range c.problems() {
				if strings.HasPrefix(p.key, "server.") {
					ours = append(ours, p.key)
				}
			}
			theirs := c.Server.Options().Validate()
			if (len(ours) == 0) != (theirs == nil) {
				t.Errorf("server %s = %v: config reports %v, httpserver reports %v", field, v, ours, theirs)
			}
		}
	}
}

// Default() is httpserver.Default(), and Options keeps the exempt paths.
func TestServerDefaultIsTheServers(t *testing.T) {
	if diff := cmp.Diff(httpserver.Default(), Default().Server.Options()); diff != "" {
		t.Errorf("(-httpserver.Default +config):\n%s", diff)
	}
	c := Default()
	for _, l := range allLeaves() {
		if strings.HasPrefix(l.path, "server.") {
			changed(t, &c, l)
		}
	}
	if back := ServerFrom(c.Server.Options()); back != c.Server {
		t.Errorf("ServerFrom(s.Options()) = %+v, want %+v", back, c.Server)
	}
}
