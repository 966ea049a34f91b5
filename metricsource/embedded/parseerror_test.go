package embedded

import (
	"errors"
	"strings"
	"testing"
)

// A page the parser refuses is logged as a WARN at every failed scrape: its
// error must say where and what, not repeat the page. expfmt quotes the
// whole bad token, so a 200 kB timestamp made a 200 kB log line every scrape
// interval.
//
// Seen failing before the fix: the error was 200,089 bytes long.
func TestParseErrorIsBounded(t *testing.T) {
	page := `gateway_service_count{function_name="a"} 1 ` + strings.Repeat("1", 200_000) + "\n"
	_, err := parseFamilies(strings.NewReader(page))
	if err == nil {
		t.Fatal("a 200 kB timestamp parsed")
	}
	msg := err.Error()
	if len(msg) > maxParseErrorBytes+64 {
		t.Errorf("error of %d bytes, want at most about %d: %.120s…", len(msg), maxParseErrorBytes, msg)
	}
	if !strings.Contains(msg, "line 1") || !strings.Contains(msg, "timestamp") {
		t.Errorf("clipped error %q no longer says where and what", msg)
	}
	// The cap still tells the label limit by its sentinel.
	_, err = parseFamilies(strings.NewReader(manyLabels(maxLabels + 1)))
	if !errors.Is(err, errTooManyLabels) {
		t.Errorf("label limit: %v, want errTooManyLabels", err)
	}
}
