package prometheus

import (
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

func TestLoadQuery(t *testing.T) {
	cases := []struct {
		name    string
		q       metricsource.LoadQuery
		want    string
		wantErr string
	}{
		{"rps", metricsource.LoadQuery{Type: "rps", Window: 30 * time.Second},
			`(sum by (function_name) (max by (function_name, instance, code) (rate(gateway_function_invocation_total[30s])))) and on (function_name) group by (function_name) (gateway_function_invocation_total)`, ""},
		{"rps compound window", metricsource.LoadQuery{Type: "rps", Window: 90*time.Second + 500*time.Millisecond},
			`(sum by (function_name) (max by (function_name, instance, code) (rate(gateway_function_invocation_total[1m30s500ms])))) and on (function_name) group by (function_name) (gateway_function_invocation_total)`, ""},
		{"capacity short window steps at 1s", metricsource.LoadQuery{Type: "capacity", Window: 45 * time.Second},
			promql.CapacityPeak(45*time.Second, time.Second, 30*time.Second, 0, ""), ""},
		{"capacity long window coarser step", metricsource.LoadQuery{Type: "capacity", Window: 10 * time.Minute},
			promql.CapacityPeak(10*time.Minute, 10*time.Second, 30*time.Second, 0, ""), ""},
		{"cpu", metricsource.LoadQuery{Type: "cpu", Window: time.Minute},
			`((sum by (function_name) (max by (function_name, namespace, pod, instance) (rate(pod_cpu_usage_seconds_total[1m]))) * 1000) and on (function_name) group by (function_name) (pod_cpu_usage_seconds_total)) unless on (function_name) group by (function_name) (pod_cpu_usage_seconds_total and on (job, instance, metrics_path) (up == 0))`, ""},
		{"queue", metricsource.LoadQuery{Type: "queue", Window: time.Minute},
			`(sum by (function_name) (avg by (function_name, queue_name) (queue_worker_pending_messages)) + on (function_name) sum by (function_name) (max by (function_name, instance) (queue_worker_function_invocation_inflight))) or sum by (function_name) (avg by (function_name, queue_name) (queue_worker_pending_messages))`, ""},
		{"custom", metricsource.LoadQuery{Type: "latency", Window: 30 * time.Second},
			`avg by (function_name) (avg_over_time(job:function_current_load:sum{scaling_type="latency"}[30s]) >= -Inf)`, ""},
		{"custom escaped", metricsource.LoadQuery{Type: `a"b\c`, Window: 30 * time.Second},
			`avg by (function_name) (avg_over_time(job:function_current_load:sum{scaling_type="a\"b\\c"}[30s]) >= -Inf)`, ""},
		{"window under 1s", metricsource.LoadQuery{Type: "rps", Window: 999 * time.Millisecond}, "", "window 999ms: must be at least 1s"},
		{"zero window", metricsource.LoadQuery{Type: "rps"}, "", "window 0s: must be at least 1s"},
		{"empty type", metricsource.LoadQuery{Window: time.Second}, "", "scaling type is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := loadQuery(c.q, DefaultMaxScrapeGap, 0, "")
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestActivityQueries(t *testing.T) {
	s, err := startedQuery(10*time.Minute, `up{job="gw"}`, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	count := func(m string) string {
		// The larger of a and b per series, each evaluated once.
		larger := func(a, b string) string {
			return `max without (__faas_autoscaler_part) (label_replace(` + a + `, "__faas_autoscaler_part", "a", "", "") or label_replace(` + b + `, "__faas_autoscaler_part", "b", "", ""))`
		}
		counted := `(` + larger(m+` - `+m+` offset 10m`, `increase(`+m+`[10m])`) + ` and ` + m + ` offset 10m) or (max_over_time(` + m + `[10m]) unless ` + m + ` offset 10m)`
		back := `((` + m + ` * 1) and (count_over_time(` + m + `[10m]) < on (job, instance) group_left () max by (job, instance) (count_over_time(up{job="gw"}[10m])))) or ((` + m + ` * 1) and on (job, instance) ((max_over_time(process_start_time_seconds[10m]) - min_over_time(process_start_time_seconds[10m])) > 2))`
		return larger(counted, back)
	}
	// The started counter per gateway instance, or there the invocation
	// counter, matched by the qualified name (promql.StartedPerGateway).
	qualified := func(e string) string {
		return `label_replace(label_replace(` + e + `, "__faas_autoscaler_function", "$1", "function_name", "(.*[.].*)"), "__faas_autoscaler_function", "$1.openfaas-fn", "function_name", "([^.]*)")`
	}
	want := `sum by (function_name) (` +
		qualified(`max by (function_name, instance) (`+count("gateway_function_invocation_started")+`)`) +
		` or on (__faas_autoscaler_function, instance) ` +
		qualified(`sum by (function_name, instance) (max by (function_name, instance, code) (`+count("gateway_function_invocation_total")+`))`) + `)`
	if s != want {
		t.Errorf("started:\n got %s\nwant %s", s, want)
	}
	c, err := coverageQuery(`up{job="gw"}`, 10*time.Minute, 0, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{
		`label_replace(min(min_over_time(up{job="gw"}[10m30s])), "check", "up", "", "")`,
		`max_over_time((time() - max(timestamp(up{job="gw"})))[10m30s:3s750ms])`,
		`count_over_time(vector(1)[10m30s:3s750ms])`,
	} {
		if !strings.Contains(c, part) {
			t.Errorf("coverage query lacks %q:\n%s", part, c)
		}
	}
	if _, err := startedQuery(0, `up`, "openfaas-fn"); err == nil {
		t.Error("startedQuery(0) accepted")
	}
	if _, err := coverageQuery("up", 500*time.Millisecond, 0, time.Second); err == nil {
		t.Error("coverageQuery(500ms) accepted")
	}
}
