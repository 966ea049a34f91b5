package urlport

import (
	"net/url"
	"testing"
)

// TestValid: the port range's edges, none, and digits url.Parse takes
// beyond it.
func TestValid(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://h": true, "http://h:1": true, "http://h:65535": true, "http://[::1]:8080": true,
		"http://h:0": false, "http://h:65536": false, "http://h:99999": false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := Valid(u); got != want {
			t.Errorf("Valid(%s) = %v, want %v", raw, got, want)
		}
	}
}
