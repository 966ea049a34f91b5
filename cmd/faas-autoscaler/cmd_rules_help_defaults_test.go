package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// flagUsage is the usage text `-h` printed for flag name (the lines
// indented under "  -name …", joined).
func flagUsage(help, name string) string {
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		if l != "  -"+name && !strings.HasPrefix(l, "  -"+name+" ") {
			continue
		}
		var usage []string
		for _, u := range lines[i+1:] {
			if !strings.HasPrefix(u, "    \t") {
				break
			}
			usage = append(usage, strings.TrimSpace(u))
		}
		return strings.Join(usage, " ")
	}
	return ""
}

// TestRulesHelpStatesDerivedDefaults: `rules -h` gave --cpu-window's
// default as "max(1m, 4 × scrape interval)" and --evaluation-interval's as
// "a fifth of the scrape interval, at least 1s", but ForScrapeInterval
// rounds the CPU window up to a multiple of the scrape interval and the
// evaluation interval down to whole seconds, as Validate requires of a
// window and of an evaluation interval: at 7 s the help said 1m and 1.4s
// where the command used 1m3s and 1s, and an operator sizing a kubelet
// scrape or reading a recording rule's name (…:rate1m3s) from it got it
// wrong. The help states the rounding, and each rule as stated, and each
// example the help gives, is what ForScrapeInterval does.
//
// Seen failing before the fix: with the old usage strings back in
// cmd_rules.go, the usage lacked "rounded up to a multiple of the scrape
// interval" and "rounded down to whole seconds".
func TestRulesHelpStatesDerivedDefaults(t *testing.T) {
	var out, errb bytes.Buffer
	if code := rulesCmd([]string{"-h"}, &out, &errb); code != 0 {
		t.Fatalf("rules -h: exit %d", code)
	}
	cpu, eval := flagUsage(errb.String(), "cpu-window"), flagUsage(errb.String(), "evaluation-interval")
	for _, c := range []struct{ flag, usage, rule string }{
		{"--cpu-window", cpu, "max(1m, 4 × scrape interval) rounded up to a multiple of the scrape interval"},
		{"--evaluation-interval", eval, "a fifth of the scrape interval rounded down to whole seconds, at least 1s"},
	} {
		if !strings.Contains(c.usage, "default: "+c.rule) {
			t.Errorf("rules -h: %s says %q, want its default stated as %q", c.flag, c.usage, c.rule)
		}
	}
	// The rules as the help states them.
	helpCPU := func(s time.Duration) time.Duration {
		w := max(time.Minute, 4*s)
		if r := w % s; r != 0 {
			w += s - r
		}
		return w
	}
	helpEval := func(s time.Duration) time.Duration { return max((s / 5).Truncate(time.Second), time.Second) }
	for s := time.Second; s <= 2*time.Minute; s += time.Second {
		o := rules.ForScrapeInterval(s)
		if o.CPUWindow != helpCPU(s) {
			t.Errorf("--scrape-interval %s: --cpu-window default is %s, the help's rule gives %s", s, o.CPUWindow, helpCPU(s))
		}
		if o.EvaluationInterval != helpEval(s) {
			t.Errorf("--scrape-interval %s: --evaluation-interval default is %s, the help's rule gives %s", s, o.EvaluationInterval, helpEval(s))
		}
	}
	// The examples the help gives ("7s: 1m3s").
	example := regexp.MustCompile(`; (\w+): (\w+)\)$`)
	for _, c := range []struct {
		flag, usage string
		get         func(rules.Options) time.Duration
	}{
		{"--cpu-window", cpu, func(o rules.Options) time.Duration { return o.CPUWindow }},
		{"--evaluation-interval", eval, func(o rules.Options) time.Duration { return o.EvaluationInterval }},
	} {
		m := example.FindStringSubmatch(c.usage)
		if m == nil {
			t.Errorf("rules -h: %s gives no example (\"; 7s: 1m3s)\"): %q", c.flag, c.usage)
			continue
		}
		s, err1 := time.ParseDuration(m[1])
		want, err2 := time.ParseDuration(m[2])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s example %q: %v %v", c.flag, m[0], err1, err2)
		}
		if got := c.get(rules.ForScrapeInterval(s)); got != want {
			t.Errorf("rules -h: %s says at a %s scrape %s, the default is %s", c.flag, s, want, got)
		}
	}
}
