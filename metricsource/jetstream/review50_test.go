package jetstream_test

import (
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// TestReview50RedactURLPasswordWithSeparators: a password typed into
// --nats-url without percent-encoding, holding '@' followed by '#', '?' or
// '/', or holding ',' (generated passwords often do). RedactURL parses each
// comma-separated part with url.Parse and, when that succeeds, replaces only
// what url.Parse took for the password:
//   - nats://queue:pa@ss#word@host:4222 parses (user queue, password "pa",
//     host "ss", fragment "word@host:4222") and Validate accepts it, so the
//     start line logs nats://queue:xxxxx@ss#word@host:4222 -- most of the
//     password;
//   - nats://queue:s3cr3t,pw@host:4222 is split at the comma, the first
//     part "nats://queue:s3cr3t" has no '@' and is kept whole, and
//     Validate's error quotes it: the password's first half is in the error.
//
// Everything between the scheme and the last '@' of the whole URL is
// credential material; none of it may be shown.
func TestReview50RedactURLPasswordWithSeparators(t *testing.T) {
	for _, tc := range []struct {
		url, leak string // leak: a piece of the password
	}{
		{"nats://queue:pa@ss#word@nats.openfaas:4222", "ss#word"},
		{"nats://queue:pa@ss?word@nats.openfaas:4222", "ss?word"},
		{"nats://queue:pa@ss/word@nats.openfaas:4222", "ss/word"},
		{"nats://queue:s3cr3t,pw@nats.openfaas:4222", "s3cr3t"},
	} {
		if got := jetstream.RedactURL(tc.url); strings.Contains(got, tc.leak) {
			t.Errorf("RedactURL(%q) = %q: shows %q of the password", tc.url, got, tc.leak)
		}
		cfg := jetstream.DefaultConfig()
		cfg.URL = tc.url
		if err := cfg.Validate(); err != nil && strings.Contains(err.Error(), tc.leak) {
			t.Errorf("Validate(%q) = %v: the error shows %q of the password", tc.url, err, tc.leak)
		}
	}
}
