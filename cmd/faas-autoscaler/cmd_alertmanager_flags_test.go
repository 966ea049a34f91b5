package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestAlertmanagerConfigNamesTheFlag: a refused option names the flag that
// set it, as the rules command's errors do; it said "repeat interval 2m0s".
func TestAlertmanagerConfigNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--repeat-interval", "2m"}, "alertmanager-config: --repeat-interval 2m0s: a firing FunctionStepRateHigh is re-sent"},
		{[]string{"--group-interval", "0s"}, "--group-interval 0s: must be at least 1ms"},
		{[]string{"--controller-url", "ftp://x"}, `--controller-url "ftp://x": scheme must be http or https`},
		{[]string{"--username", ""}, "--username: must not be empty"},
		{[]string{"--password-file", "rel"}, `--password-file "rel": must be an absolute path`},
		{[]string{"--receiver", ""}, "--receiver: must not be empty"},
		{[]string{"--group-wait", "-1s"}, "--group-wait -1s: must be at least 0s"},
	} {
		var out, errb bytes.Buffer
		if code := alertmanagerConfigCmd(tc.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
