package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// server.retry_after is documented "in whole seconds; at least 1s"
// (docs/configuration.md) and the header it feeds is whole seconds. A value
// that is not a whole number of seconds (1500ms) is accepted and silently
// rounded (httpserver.LimitInFlight sends "2"), against the house rule
// "never fall back silently" — while the webhook's own Retry-After
// (alerts.Config.Validate) refuses the same value with a message.
//
// Seen failing before the fix: "server.retry_after: 1500ms accepted
// (retry_after 1.5s)".
func TestServerRetryAfterNotWholeSecondsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("server:\n  retry_after: 1500ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err == nil {
		t.Fatalf("server.retry_after: 1500ms accepted (retry_after %s); want an error naming server.retry_after: whole seconds", c.Server.RetryAfter)
	}
	if !strings.Contains(err.Error(), "server.retry_after") {
		t.Errorf("error %q does not name server.retry_after", err)
	}
}
