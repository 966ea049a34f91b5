package prometheus

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// oldStartedQuery is startedQuery before session 47, kept for
// BenchmarkActivityWindows' comparison: the larger of two sides written
// `(a > b) or b or a`, which evaluates each side twice (nested: every
// counter's samples over the window read eight times).
func oldStartedQuery(window time.Duration, sel string) (string, error) {
	w, err := promDuration("activity window", window)
	if err != nil {
		return "", err
	}
	count := func(m string, coded bool) string {
		counted := fmt.Sprintf(`((((%[1]s - %[1]s offset %[2]s) > increase(%[1]s[%[2]s])) or increase(%[1]s[%[2]s]) or (%[1]s - %[1]s offset %[2]s)) and %[1]s offset %[2]s) or (max_over_time(%[1]s[%[2]s]) unless %[1]s offset %[2]s)`, m, w)
		back := fmt.Sprintf(`((%[1]s * 1) and (count_over_time(%[1]s[%[2]s]) < on (job, instance) group_left () max by (job, instance) (count_over_time(%[3]s[%[2]s])))) or ((%[1]s * 1) and on (job, instance) (%[4]s))`, m, w, sel, promql.RestartedWithin(w))
		return promql.SumOverGateways(fmt.Sprintf(`((%[1]s) > (%[2]s)) or (%[2]s) or (%[1]s)`, counted, back), coded)
	}
	return count(metricStarted, false) + " or " + count(metricTotal, true), nil
}
