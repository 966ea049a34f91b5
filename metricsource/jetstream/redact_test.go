package jetstream

import (
	"strings"
	"testing"
)

// The README documents credentials in the URL (nats://user:password@host).
// The controller logged --nats-url whole at start, and a bad or unreachable
// URL was quoted whole in the error: the password reached the logs. Every
// URL shown is redacted (url.URL.Redacted: the password as "xxxxx").
func TestNATSURLsShownWithoutPassword(t *testing.T) {
	const secret = "s3cr3t-pw"
	for _, tc := range []struct{ name, in, want string }{
		{"one", "nats://queue:" + secret + "@nats.openfaas:4222", "nats://queue:xxxxx@nats.openfaas:4222"},
		{"several", "nats://a:" + secret + "@n1:4222, nats://n2:4222", "nats://a:xxxxx@n1:4222,nats://n2:4222"},
		{"no userinfo", "nats://nats.openfaas:4222", "nats://nats.openfaas:4222"},
		{"unparseable", "nats://u:" + secret + "@ho st:4222", "nats://xxxxx@ho st:4222"},
	} {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("%s: RedactURL(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
	cfg := DefaultConfig()
	cfg.URL = "http://u:" + secret + "@nats:4222"
	if err := cfg.Validate(); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("Validate of a bad URL with a password: %v; want an error without the password", err)
	}
	cfg.URL = "nats://u:" + secret + "@127.0.0.1:1"
	cfg.Timeout = 1
	if _, err := New(cfg); err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("New with an unreachable URL: %v; the password is in the error", err)
	}
}
