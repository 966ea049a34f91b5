package scaler

import (
	"testing"
	"time"
	"unsafe"
)

// TestRecordKeepsOnlyWhatExplainShows: a function keeps up to
// scaler.history_size (50) records, so every byte of one counts fifty
// times per function. A record holds what the explain API shows and no
// more; it once embedded a whole Decision (its Next state zeroed, 384 bytes
// a record), which the soak found as most of the controller's heap.
func TestRecordKeepsOnlyWhatExplainShows(t *testing.T) {
	if got, limit := unsafe.Sizeof(Record{}), uintptr(144); got > limit {
		t.Errorf("Record is %d bytes, want at most %d: keep only what explain.Decision shows", got, limit)
	}
	d := Decision{Replicas: 3, Current: 1, Code: CodeScaleUp, Reason: "rps 10/s", Scale: true, Recommended: 3,
		Next: State{Recommendations: []Recommendation{{Replicas: 3}}}}
	at := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	r := recordOf(at, "firing", d)
	if r.Replicas != 3 || r.Current != 1 || r.Code != CodeScaleUp || r.Reason != "rps 10/s" || !r.Scale ||
		r.Trigger != "firing" || r.Result != "none" || !r.At.Equal(at) {
		t.Errorf("recordOf(%+v) = %+v: lost what explain shows", d, r)
	}
}
