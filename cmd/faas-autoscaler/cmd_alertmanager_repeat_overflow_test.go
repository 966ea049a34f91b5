package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestAlertmanagerConfigRefusesCenturiesOfRepeat: the README says
// alertmanager-config refuses a --repeat-interval that with
// --group-interval and 5 s for delivery passes the minute the controller
// keeps a step alert live (scaler.StepRuleEvidence). The check summed the
// three in time.Duration, which wraps past ~292 years: a repeat interval
// that large turned the sum negative and passed, and the config
// (repeat_interval: 106751d23h47m10s, which amtool accepts) never re-sent a
// firing FunctionStepRateHigh inside that minute. Exit 2, naming the flag.
//
// Seen failing before the fix: with the plain sum back in
// rules.AlertmanagerOptions.Validate, both cases exited 0 and printed the
// config.
func TestAlertmanagerConfigRefusesCenturiesOfRepeat(t *testing.T) {
	for _, args := range [][]string{
		{"--repeat-interval", "2562047h47m10s"},
		{"--group-interval", "2562047h47m16s", "--repeat-interval", "2562047h47m16s"},
	} {
		var out, errb bytes.Buffer
		code := alertmanagerConfigCmd(args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), "--repeat-interval 2562047h47m") {
			t.Errorf("alertmanager-config %v: exit %d, want 2 naming --repeat-interval (it passes %s by centuries); stderr %q; output has %q",
				args, code, scaler.StepRuleEvidence, errb.String(), regexp.MustCompile(`(?m)^\s*repeat_interval: .*$`).FindString(out.String()))
		}
	}
}
