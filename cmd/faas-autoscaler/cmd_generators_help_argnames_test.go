package main

import (
	"bytes"
	"io"
	"regexp"
	"testing"
)

// TestGeneratorHelpArgNames: flag's -h takes the first backquoted word of a
// usage as the flag's argument name, so rules' "`for` of the scale-down
// alert" printed "-scale-down-for for" where every other duration flag
// prints "duration". Each flag of rules, alertmanager-config and gateway
// names its argument by its type.
//
// Seen failing before the fix: with the backquoted `for` back in
// cmd_rules.go, rules -h printed "-scale-up-for for" and
// "-scale-down-for for".
func TestGeneratorHelpArgNames(t *testing.T) {
	argName := regexp.MustCompile(`(?m)^  (-\S+) (.+)$`)
	types := map[string]bool{"duration": true, "string": true, "value": true, "float": true, "int": true, "uint": true}
	for name, cmd := range map[string]func([]string, io.Writer, io.Writer) int{
		"rules": rulesCmd, "alertmanager-config": alertmanagerConfigCmd, "gateway": gatewayCmd,
		// sim's and sim-eval's --config printed "-config run --config"
		// (seen failing before their usage lost the backquotes).
		"sim": simCmd, "sim-eval": simEvalCmd, "dashboards": dashboardsCmd, "run": runCmd,
	} {
		var out, errb bytes.Buffer
		if code := cmd([]string{"-h"}, &out, &errb); code != 0 {
			t.Fatalf("%s -h: exit %d", name, code)
		}
		for _, m := range argName.FindAllStringSubmatch(errb.String(), -1) {
			if !types[m[2]] {
				t.Errorf("%s -h: %s %s: the argument is named by a backquoted word of the usage, not by its type", name, m[1], m[2])
			}
		}
	}
}
