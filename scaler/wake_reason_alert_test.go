package scaler

import (
	"strings"
	"testing"
	"time"
)

// TestWakeReasonSaysTheLoadIsTheAlerts: a function at zero woken
// by a firing alert's load. When the running function scales on an
// alert's load, the reason says "(from the alert)"; the wake's reason
// instead words the alert's number as the source's own readings: "load 250
// over the last 10s (stable 250)" with no reading at all from the source,
// and "load 250 over the last 10s (stable 0)" when the source read 0 in
// both windows. An operator reading the explain API is told Prometheus
// measured 250 over the last 10 s when it measured 0 or nothing.
// wake.go: "A missing reading is worded as missing, never as a load of 0";
// TestWakeReasonDoesNotReadMissingBurstAsZero holds the same for a missing
// burst reading.
//
// Seen failing before the fix: "wake reason \"at zero with load 250 over the last 10s
// (stable 250) …\" words the alert's load as the source's reading".
func TestWakeReasonSaysTheLoadIsTheAlerts(t *testing.T) {
	load := 250.0 // 6 replicas at 45
	sig := &Signal{Ref: testRef, Status: Firing, AlertName: "FunctionAtZeroWithLoad", ScalingType: "rps",
		Fingerprint: "zero", StartsAt: t0, Load: &load}
	for _, tc := range []struct {
		name           string
		stable, burst  *float64
		wantNotInWords []string
	}{
		{"source has no readings", nil, nil, []string{"load 250 over the last 10s", "stable 250"}},
		{"source reads 0 in both windows", ptr(0), ptr(0), []string{"load 250 over the last 10s"}},
	} {
		obs := Observation{Replicas: 0, StableLoad: tc.stable, BurstLoad: tc.burst, StableWindow: time.Minute,
			BurstWindow: 10 * time.Second, Signal: sig}
		d := Decide(specFrom(nil), obs, State{}, t0)
		if d.Replicas != 6 {
			t.Fatalf("%s: setup: woke to %d (%s %q), want 6", tc.name, d.Replicas, d.Code, d.Reason)
		}
		for _, w := range tc.wantNotInWords {
			if strings.Contains(d.Reason, w) || !strings.Contains(d.Reason, "from the alert") {
				t.Errorf("%s: wake reason %q words the alert's load as the source's reading (%q) or does not say it is the alert's", tc.name, d.Reason, w)
			}
		}
	}
}
