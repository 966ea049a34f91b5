package soak

import (
	"strings"
	"testing"
	"time"
)

// The harness's log line for a period without posts (the last one: its
// storm is cancelled with the context) has no p99, as the table and the
// CSV have none: it printed "webhook p99 0s".
//
// Seen failing before the fix (the line's format with s.WebhookP99 as its
// last argument): "30:00: goroutines 40, …, webhook p99 0s".
func TestProgressLineWithoutPostsHasNoP99(t *testing.T) {
	s := Sample{At: 30 * time.Minute, Goroutines: 40, HeapMB: 12, RSSMB: 48, FDs: 20}
	line := progressLine(s)
	if !strings.Contains(line, "webhook p99 – (0 posts)") {
		t.Errorf("no posts: %q; want webhook p99 – (0 posts)", line)
	}
	s.WebhookP99, s.Webhooks = 35*time.Millisecond, 20
	if line := progressLine(s); !strings.Contains(line, "webhook p99 35.0 ms (20 posts)") || !strings.HasPrefix(line, "30:00: goroutines 40, heap 12.0 MiB") {
		t.Errorf("20 posts: %q", line)
	}
}
