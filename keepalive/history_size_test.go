package keepalive

import (
	"testing"
	"unsafe"
)

// TestHistoryFitsItsSizeClass: the policy keeps one history per function
// the gateway counts (100,000 in BenchmarkEntries100k), most of which are
// never asked for a plan (a fixed zero-duration, the default). history was
// 256 bytes (Go's 256-byte size class) with the cached plan, its words, its
// fallback, its time and the count of idle times since it inline: 34.3 MB
// of live heap at 100,000 functions counted in a few steps, no plan asked
// (343 bytes a function with the map and the rings). With those behind a
// pointer made at the first plan (planCache, 112 bytes) it is 144: an
// unplanned function costs 112 bytes less, a planned one the same as before
// (144 + 112).
func TestHistoryFitsItsSizeClass(t *testing.T) {
	if got := unsafe.Sizeof(history{}); got > 144 {
		t.Errorf("history is %d bytes, want at most 144 (what only a plan needs goes in planCache)", got)
	}
	if got := unsafe.Sizeof(planCache{}); got > 112 {
		t.Errorf("planCache is %d bytes, want at most 112 (a planned function would cost more than before the split)", got)
	}
}
