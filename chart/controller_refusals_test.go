package chart

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// refusalCase is one set of values that maps to the controller's
// configuration file (config) or flags, with helm's verdict and the
// controller's on what the chart renders from it.
type refusalCase struct {
	sets []string // key=value pairs; a number is a number (valueArgs)
	// helm holds substrings of helm's refusal (the value and what is
	// wrong); nil: helm renders the values.
	helm []string
	// ctl is a substring of the controller's refusal at start (the key or
	// the flag it names); "": the controller starts on what helm renders.
	ctl string
	// controllerOnly says why helm leaves a value the controller refuses to
	// the controller (helm must render it; the controller refuses it).
	controllerOnly string
}

// refusalCases are values around every bound the controller sets on what
// the chart passes it: each refused value beside an accepted one, so the
// chart refuses no more than the controller does, and no less.
var refusalCases = []refusalCase{
	// Numbers: values.schema.json's minimum, maximum and exclusive bounds.
	{sets: []string{"config.defaults.max=0"}, helm: []string{"/config/defaults/max", "minimum"}, ctl: "defaults.max: must be at least 1"},
	{sets: []string{"config.defaults.max=1"}},
	{sets: []string{"config.defaults.factor=0"}, helm: []string{"/config/defaults/factor", "minimum"}, ctl: "defaults.factor: must be in [1, 100]"},
	{sets: []string{"config.defaults.factor=101"}, helm: []string{"/config/defaults/factor", "maximum"}, ctl: "defaults.factor: must be in [1, 100]"},
	{sets: []string{"config.defaults.factor=100"}},
	{sets: []string{"config.defaults.target=0"}, helm: []string{"/config/defaults/target", "exclusiveMinimum"}, ctl: "defaults.target: must be a finite number above 0"},
	{sets: []string{"config.defaults.target=0.001"}},
	{sets: []string{"config.defaults.target_proportion=0"}, helm: []string{"/config/defaults/target_proportion", "exclusiveMinimum"}, ctl: "defaults.target_proportion: must be in (0, 1]"},
	{sets: []string{"config.defaults.target_proportion=1.01"}, helm: []string{"/config/defaults/target_proportion", "maximum"}, ctl: "defaults.target_proportion: must be in (0, 1]"},
	{sets: []string{"config.defaults.target_proportion=1"}},
	{sets: []string{"config.defaults.burst_threshold=0.99"}, helm: []string{"/config/defaults/burst_threshold", "minimum"}, ctl: "defaults.burst_threshold: must be a finite number of at least 1"},
	{sets: []string{"config.defaults.burst_threshold=1"}},
	{sets: []string{"config.defaults.tolerance=1"}, helm: []string{"/config/defaults/tolerance", "exclusiveMaximum"}, ctl: "defaults.tolerance: must be in [0, 1)"},
	{sets: []string{"config.defaults.tolerance=-0.01"}, helm: []string{"/config/defaults/tolerance", "minimum"}, ctl: "defaults.tolerance: must be in [0, 1)"},
	{sets: []string{"config.defaults.tolerance=0"}},
	{sets: []string{"config.defaults.scale_up_rate=0.5"}, helm: []string{"/config/defaults/scale_up_rate", "minimum"}, ctl: "defaults.scale_up_rate: must be a finite number of at least 1"},
	{sets: []string{"config.defaults.scale_up_rate=1"}},
	{sets: []string{"config.defaults.scale_down_rate=0"}, helm: []string{"/config/defaults/scale_down_rate", "exclusiveMinimum"}, ctl: "defaults.scale_down_rate: must be in (0, 1]"},
	{sets: []string{"config.defaults.scale_down_rate=1.5"}, helm: []string{"/config/defaults/scale_down_rate", "maximum"}, ctl: "defaults.scale_down_rate: must be in (0, 1]"},
	{sets: []string{"config.defaults.scale_down_rate=1"}},
	{sets: []string{"config.keep_alive.prewarm_share=-0.1"}, helm: []string{"/config/keep_alive/prewarm_share", "minimum"}, ctl: "keep_alive.prewarm_share: must be in [0, 1]"},
	{sets: []string{"config.keep_alive.prewarm_share=1.1"}, helm: []string{"/config/keep_alive/prewarm_share", "maximum"}, ctl: "keep_alive.prewarm_share: must be in [0, 1]"},
	{sets: []string{"config.keep_alive.prewarm_share=0"}},
	{sets: []string{"config.keep_alive.prewarm_share=1"}},
	{sets: []string{"config.actuator.workers=0"}, helm: []string{"/config/actuator/workers", "minimum"}, ctl: "actuator.workers: must be in [1, 1024]"},
	{sets: []string{"config.actuator.workers=1025"}, helm: []string{"/config/actuator/workers", "maximum"}, ctl: "actuator.workers: must be in [1, 1024]"},
	{sets: []string{"config.actuator.workers=1024"}},
	{sets: []string{"config.scaler.history_size=-1"}, helm: []string{"/config/scaler/history_size", "minimum"}, ctl: "scaler.history_size: must be at least 0"},
	{sets: []string{"config.scaler.history_size=0"}},
	{sets: []string{"config.server.max_header_bytes=4095"}, helm: []string{"/config/server/max_header_bytes", "minimum"}, ctl: "server.max_header_bytes: must be from 4096 to 67108864 (64 MiB)"},
	{sets: []string{"config.server.max_header_bytes=4096"}},
	{sets: []string{"config.server.max_header_bytes=67108865"}, helm: []string{"/config/server/max_header_bytes", "maximum"}, ctl: "server.max_header_bytes: must be from 4096 to 67108864 (64 MiB)"},
	{sets: []string{"config.server.max_header_bytes=67108864"}},
	{sets: []string{"config.server.max_connections=-1"}, helm: []string{"/config/server/max_connections", "minimum"}, ctl: "server.max_connections: must be 0 (no cap) or above"},
	{sets: []string{"config.server.max_connections=0"}},
	{sets: []string{"config.server.max_in_flight=-1"}, helm: []string{"/config/server/max_in_flight", "minimum"}, ctl: "server.max_in_flight: must be 0 (no cap) or above"},
	{sets: []string{"config.server.max_in_flight=0"}},

	// Strings: patterns.
	{sets: []string{"config.defaults.type=rps-custom"}, helm: []string{"/config/defaults/type"}, ctl: "defaults.type: must match"},
	{sets: []string{"config.defaults.type=RPS"}, helm: []string{"/config/defaults/type"}, ctl: `defaults.type: type names are case-sensitive: write "rps"`},
	{sets: []string{"config.defaults.type=Step"}, helm: []string{"/config/defaults/type"}, ctl: `defaults.type: type names are case-sensitive: write "step"`},
	{sets: []string{"config.defaults.type=capacity"}},
	{sets: []string{"config.defaults.type=my_Load2"}},
	{sets: []string{"config.prometheus.coverage_selector="}, helm: []string{"/config/prometheus/coverage_selector"}, ctl: "prometheus.coverage_selector: must not be empty"},
	{sets: []string{"config.idler.schedule="}, helm: []string{"/config/idler/schedule"}, ctl: "idler.schedule:"},

	// Durations: the grammar of Go's time.ParseDuration, which the
	// controller reads them with (values.schema.json), ...
	{sets: []string{"config.scaler.interval=five"}, helm: []string{"/config/scaler/interval", "does not match pattern"}, ctl: `scaler.interval: "five" is not a duration`},
	{sets: []string{"config.scaler.interval=5"}, helm: []string{"/config/scaler/interval", "want string"}, ctl: `scaler.interval: "5" is not a duration`},
	{sets: []string{"config.scaler.interval=3000000h"}, helm: []string{`"3000000h"`, "invalid duration"}, ctl: `scaler.interval: "3000000h" is not a duration`},
	{sets: []string{"config.scaler.interval=.5s"}},
	// Without a bound, 150 years (a duration Go parses) overflowed the
	// liveness check's twice the interval (found by a review).
	{sets: []string{"config.scaler.interval=24h1s"}, helm: []string{"config.scaler.interval=24h1s", "at most 24h"}, ctl: "scaler.interval: must be at most 24h"},
	{sets: []string{"config.scaler.interval=24h"}},
	{sets: []string{"config.scaler.stable_window=1.m"}},
	{sets: []string{"config.keep_alive.cold_start_worth=+15m"}},
	{sets: []string{"config.defaults.step_dedup=5000000μs"}}, // Greek mu, as Go reads it besides the micro sign
	{sets: []string{"config.defaults.step_dedup=-0s"}},
	// ... and their bounds (the template fa.checkConfig, with Go's parser).
	{sets: []string{"config.scaler.interval=-5s"}, helm: []string{"config.scaler.interval=-5s", "at least 100ms"}, ctl: "scaler.interval: must be at least 100ms"},
	{sets: []string{"config.scaler.interval=99ms"}, helm: []string{"config.scaler.interval=99ms", "at least 100ms"}, ctl: "scaler.interval: must be at least 100ms"},
	{sets: []string{"config.scaler.interval=100ms"}},
	{sets: []string{"config.scaler.stable_window=999ms"}, helm: []string{"config.scaler.stable_window=999ms", "at least 1s"}, ctl: "scaler.stable_window: must be at least 1s"},
	{sets: []string{"config.scaler.stable_window=10s"}},
	{sets: []string{"config.scaler.burst_window=999ms"}, helm: []string{"config.scaler.burst_window=999ms", "at least 1s"}, ctl: "scaler.burst_window: must be in [1s,"},
	{sets: []string{"config.scaler.burst_window=1s"}},
	{sets: []string{"config.scaler.align_lag=-1ms"}, helm: []string{"config.scaler.align_lag=-1ms", "at least 0s"}, ctl: "scaler.align_lag: must be at least 0s"},
	{sets: []string{"config.scaler.align_lag=0s"}},
	{sets: []string{"config.defaults.zero_duration=0s"}, helm: []string{"config.defaults.zero_duration=0s", "at least 1s"}, ctl: "defaults.zero_duration: must be at least 1s"},
	{sets: []string{"config.defaults.zero_duration=999ms"}, helm: []string{"config.defaults.zero_duration=999ms", "at least 1s"}, ctl: "defaults.zero_duration: must be at least 1s"},
	{sets: []string{"config.defaults.zero_duration=1s"}},
	{sets: []string{"config.defaults.down_window=-1s"}, helm: []string{"config.defaults.down_window=-1s", "at least 0s"}, ctl: "defaults.down_window: must be in [0s, 1h]"},
	{sets: []string{"config.defaults.down_window=1h0m1s"}, helm: []string{"config.defaults.down_window=1h0m1s", "at most 1h"}, ctl: "defaults.down_window: must be in [0s, 1h]"},
	{sets: []string{"config.defaults.down_window=0s"}},
	{sets: []string{"config.defaults.down_window=60m"}},
	{sets: []string{"config.defaults.step_dedup=-1ns"}, helm: []string{"config.defaults.step_dedup=-1ns", "at least 0s"}, ctl: "defaults.step_dedup: must be at least 0s"},
	{sets: []string{"config.defaults.step_dedup=0s"}},
	{sets: []string{"config.idler.refused_backoff=0s"}, helm: []string{"config.idler.refused_backoff=0s", "above 0s"}, ctl: "idler.refused_backoff: must be above 0s"},
	{sets: []string{"config.idler.refused_backoff=0.5ns"}, helm: []string{"config.idler.refused_backoff=0.5ns", "above 0s"}, ctl: "idler.refused_backoff: must be above 0s"}, // Go reads 0
	{sets: []string{"config.idler.refused_backoff=1ns"}},
	// A plain 0 (--set always reads it as a number) is the duration 0, as
	// the controller's decoder reads it: accepted where 0 is, refused by
	// the bound where it is not (session 52).
	{sets: []string{"config.idler.refused_backoff=0"}, helm: []string{"config.idler.refused_backoff=0:", "above 0s"}, ctl: "idler.refused_backoff: must be above 0s"},
	{sets: []string{"config.scaler.interval=0"}, helm: []string{"config.scaler.interval=0:", "at least 100ms"}, ctl: "scaler.interval: must be at least 100ms"},
	{sets: []string{"config.liveness.max_inactivity=0"}},
	{sets: []string{"config.keep_alive.rebuild_lookback=0"}},
	{sets: []string{"config.keep_alive.cold_start_worth=0s"}, helm: []string{"config.keep_alive.cold_start_worth=0s", "above 0s"}, ctl: "keep_alive.cold_start_worth: must be above 0s"},
	{sets: []string{"config.keep_alive.prewarm_interval=999ms"}, helm: []string{"config.keep_alive.prewarm_interval=999ms", "at least 1s"}, ctl: "keep_alive.prewarm_interval: must be at least 1s"},
	{sets: []string{"config.keep_alive.prewarm_interval=1s"}},
	{sets: []string{"config.keep_alive.rebuild_lookback=-1s"}, helm: []string{"config.keep_alive.rebuild_lookback=-1s", "at least 0s"}, ctl: "keep_alive.rebuild_lookback: must be at least 0s"},
	{sets: []string{"config.keep_alive.rebuild_lookback=0s"}},
	{sets: []string{"config.keep_alive.rebuild_timeout=0s"}, helm: []string{"config.keep_alive.rebuild_timeout=0s", "above 0s"}, ctl: "keep_alive.rebuild_timeout: must be above 0s"},
	{sets: []string{"config.keep_alive.learn_step=999ms"}, helm: []string{"config.keep_alive.learn_step=999ms", "at least 1s"}, ctl: "keep_alive.learn_step: must be at least 1s"},
	{sets: []string{"config.keep_alive.learn_step=1m0.001s"}, helm: []string{"config.keep_alive.learn_step=1m0.001s", "at most 1m"}, ctl: "keep_alive.learn_step: must be at most 1m"},
	{sets: []string{"config.keep_alive.learn_step=1s"}},
	{sets: []string{"config.keep_alive.learn_step=1m"}},
	{sets: []string{"config.keep_alive.read_timeout=-1s"}, helm: []string{"config.keep_alive.read_timeout=-1s", "above 0s"}, ctl: "keep_alive.read_timeout: must be above 0s"},
	{sets: []string{"config.actuator.call_timeout=0s"}, helm: []string{"config.actuator.call_timeout=0s", "above 0s"}, ctl: "actuator.call_timeout: must be above 0s"},
	{sets: []string{"config.actuator.backoff_initial=0s"}, helm: []string{"config.actuator.backoff_initial=0s", "above 0s"}, ctl: "actuator.backoff_initial: must be above 0s"},
	{sets: []string{"config.actuator.backoff_max=0s"}, helm: []string{"config.actuator.backoff_max=0s", "above 0s"}, ctl: "actuator.backoff_max: must be at least actuator.backoff_initial"},
	{sets: []string{"config.actuator.refused_backoff=0s"}, helm: []string{"config.actuator.refused_backoff=0s", "above 0s"}, ctl: "actuator.refused_backoff: must be above 0s"},
	{sets: []string{"config.prometheus.max_scrape_gap=999ms"}, helm: []string{"config.prometheus.max_scrape_gap=999ms", "at least 1s"}, ctl: "prometheus.max_scrape_gap: must be at least 1s"},
	{sets: []string{"config.prometheus.max_scrape_gap=1s"}},
	{sets: []string{"config.prometheus.max_scrape_gap=1h1s"}, helm: []string{"config.prometheus.max_scrape_gap=1h1s", "at most 1h"}, ctl: "prometheus.max_scrape_gap: must be at most 1h"},
	{sets: []string{"config.prometheus.max_scrape_gap=1h"}},
	{sets: []string{"config.prometheus.timeout=0s"}, helm: []string{"config.prometheus.timeout=0s", "above 0s"}, ctl: "prometheus.timeout: must be above 0s"},
	{sets: []string{"config.server.read_header_timeout=0s"}, helm: []string{"config.server.read_header_timeout=0s", "above 0s"}, ctl: "server.read_header_timeout: must be above 0s"},
	{sets: []string{"config.server.read_timeout=0s"}, helm: []string{"config.server.read_timeout=0s", "above 0s"}, ctl: "server.read_timeout: must be above 0s"},
	{sets: []string{"config.server.write_timeout=0s"}, helm: []string{"config.server.write_timeout=0s", "above 0s"}, ctl: "server.write_timeout: must be above 0s"},
	{sets: []string{"config.server.idle_timeout=0s"}, helm: []string{"config.server.idle_timeout=0s", "above 0s"}, ctl: "server.idle_timeout: must be above 0s"},
	{sets: []string{"config.server.retry_after=0s"}, helm: []string{"config.server.retry_after=0s", "at least 1s"}, ctl: "server.retry_after: must be whole seconds, at least 1s"},
	{sets: []string{"config.server.retry_after=1500ms"}, helm: []string{"config.server.retry_after=1500ms", "whole seconds"}, ctl: "server.retry_after: must be whole seconds, at least 1s"},
	{sets: []string{"config.server.retry_after=2000ms"}},
	{sets: []string{"config.liveness.max_inactivity=-1s"}, helm: []string{"config.liveness.max_inactivity=-1s", "at least 0s"}, ctl: "liveness.max_inactivity: must be 0s (off) or above"},
	{sets: []string{"config.liveness.max_inactivity=0s"}},

	// Rules between two keys, where config sets both: the chart knows
	// both values (the template fa.checkConfig).
	{sets: []string{"config.defaults.min=5", "config.defaults.max=3"}, helm: []string{"config.defaults.min=5", "config.defaults.max=3"}, ctl: "defaults.min: must not be above defaults.max 3"},
	{sets: []string{"config.defaults.min=3", "config.defaults.max=3"}},
	{sets: []string{"config.scaler.stable_window=20s", "config.scaler.burst_window=30s"}, helm: []string{"config.scaler.burst_window=30s", "config.scaler.stable_window=20s"}, ctl: "scaler.burst_window: must be in [1s, scaler.stable_window 20s]"},
	{sets: []string{"config.scaler.stable_window=30s", "config.scaler.burst_window=30s"}},
	{sets: []string{"config.scaler.interval=1s", "config.scaler.align_lag=1s"}, helm: []string{"config.scaler.align_lag=1s", "config.scaler.interval=1s"}, ctl: "scaler.align_lag: must be at least 0s and below scaler.interval 1s"},
	{sets: []string{"config.scaler.interval=1s", "config.scaler.align_lag=999ms"}},
	{sets: []string{"config.actuator.backoff_initial=2s", "config.actuator.backoff_max=1s"}, helm: []string{"config.actuator.backoff_max=1s", "config.actuator.backoff_initial=2s"}, ctl: "actuator.backoff_max: must be at least actuator.backoff_initial 2s"},
	{sets: []string{"config.actuator.backoff_initial=2s", "config.actuator.backoff_max=2s"}},
	{sets: []string{"config.server.max_connections=10", "config.server.max_in_flight=11"}, helm: []string{"config.server.max_in_flight=11", "config.server.max_connections=10"}, ctl: "server.max_in_flight: must not be above server.max_connections 10"},
	{sets: []string{"config.server.max_connections=10", "config.server.max_in_flight=10"}},
	{sets: []string{"config.server.max_connections=0", "config.server.max_in_flight=1000"}},
	{sets: []string{"config.defaults.scale_up_rate=1", "config.defaults.scale_up_pods=0"}, helm: []string{"config.defaults.scale_up_pods=0", "config.defaults.scale_up_rate=1"}, ctl: "defaults.scale_up_pods: must be at least 1 while defaults.scale_up_rate is 1"},
	{sets: []string{"config.defaults.scale_up_rate=1", "config.defaults.scale_up_pods=1"}},
	// The burst window the chart sets for the gateway's scrape (two scrapes
	// at least) against a stable window the values set.
	{sets: []string{"prometheusRule.enabled=true", "prometheusRule.scrapeInterval=15s", "config.scaler.stable_window=20s"},
		helm: []string{"config.scaler.stable_window=20s", "scaler.burst_window 30s", "prometheusRule.scrapeInterval"}, ctl: "scaler.burst_window: must be in [1s, scaler.stable_window 20s], got 30s"},
	{sets: []string{"prometheusRule.enabled=true", "prometheusRule.scrapeInterval=15s", "config.scaler.stable_window=30s"}},

	// What helm leaves to the controller, which refuses it at start naming the key.
	{sets: []string{"config.defaults.min=21"}, ctl: "defaults.min: must not be above defaults.max 20",
		controllerOnly: "defaults.max is the controller's default, which the chart does not know"},
	{sets: []string{"config.scaler.burst_window=2m"}, ctl: "scaler.burst_window: must be in [1s, scaler.stable_window 1m]",
		controllerOnly: "scaler.stable_window is the controller's default"},
	{sets: []string{"config.idler.schedule=@every 500ms"}, ctl: "idler.schedule:",
		controllerOnly: "a schedule's grammar is the cron parser's"},
	{sets: []string{"config.prometheus.coverage_selector=up{"}, ctl: "prometheus.coverage_selector:",
		controllerOnly: "a series selector's grammar is PromQL's"},

	// Flags.
	{sets: []string{"log.format=xml"}, helm: []string{"/log/format"}, ctl: `--log-format "xml"`},
	{sets: []string{"log.format=text"}},
	{sets: []string{"log.level=verbose"}, helm: []string{"/log/level"}, ctl: `--log-level "verbose"`},
	{sets: []string{"log.level=debug"}},
	{sets: []string{"webhook.auth=digest"}, helm: []string{"/webhook/auth"}, ctl: `--webhook-auth "digest"`},
	{sets: []string{"webhook.maxBodyBytes=1023"}, helm: []string{"/webhook/maxBodyBytes", "minimum"}, ctl: "--webhook-max-body-bytes 1023"},
	{sets: []string{"webhook.maxBodyBytes=67108865"}, helm: []string{"/webhook/maxBodyBytes", "maximum"}, ctl: "--webhook-max-body-bytes 67108865"},
	{sets: []string{"webhook.maxBodyBytes=67108864"}},
	{sets: []string{"provider=nomad"}, helm: []string{"/provider"}, ctl: `--provider "nomad"`},
	{sets: []string{"prometheus.url=prometheus:9090"}, helm: []string{"/prometheus/url"}, ctl: `--prometheus-url "prometheus:9090"`},
	{sets: []string{"kubernetes.namespaces={Functions_NS}"}, helm: []string{"/kubernetes/namespaces/0"}, ctl: "--namespaces"},
	{sets: []string{"kubernetes.namespaces={fn,fn}"}, helm: []string{"/kubernetes/namespaces", "equal"}, ctl: `namespace "fn" is given twice`},
	{sets: []string{"kubernetes.namespaces={fn-a,fn-b}"}},
}

// checkInclude is where configmap.yaml runs the chart's checks of config;
// the control renders a copy without it.
const checkInclude = `{{- include "fa.checkConfig" . -}}` + "\n"

// A value the controller refuses at start (config.Validate on the --config
// file, or its flag checks) passed `helm install` whenever the schema only
// checked types: a negative interval, defaults.max 0, a factor of 101, a
// zero timeout, defaults.min above defaults.max, a retry_after of 1500ms.
// The Deployment then rolled out pods that exited 2 at once, a crash loop
// (and with leader election a rollout that never completes), instead of
// helm refusing with a message. Each case renders the chart with helm, and,
// as its control, gives what the chart renders without its own checks (a
// copy without fa.checkConfig, --skip-schema-validation) to the controller:
// the config file to config.Load, in process, the flags to
// `faas-autoscaler run`. Helm must refuse exactly what the controller
// refuses, naming the value, but for the rules that need a default of the
// controller's or a grammar the chart does not hold (controllerOnly).
// Seen failing before the fix (session 47): helm template accepted 65 of the
// 76 values the controller refuses (config.defaults.max=0,
// config.scaler.interval=-5s, config.server.retry_after=1500ms, …, and
// config.scaler.stable_window=20s under the 30s burst window the chart sets
// itself at a 15s scrape), and refused 4 it accepts (config.scaler.interval=.5s,
// 1.m, +15m, 5000000μs: "does not match pattern").
func TestChartRefusesWhatTheControllerRefuses(t *testing.T) {
	var bin string // the controller, built once for the flag cases
	for _, tc := range refusalCases {
		if tc.controllerOnly == "" && (tc.helm == nil) != (tc.ctl == "") {
			t.Fatalf("%v: a case helm and the controller disagree on needs controllerOnly", tc.sets)
		}
		flags := !strings.HasPrefix(tc.sets[len(tc.sets)-1], "config.")
		if flags && bin == "" && !testing.Short() {
			bin = buildController(t)
		}
		t.Run(strings.Join(tc.sets, ","), func(t *testing.T) {
			out, stderr, err := helm(t, append([]string{"template", releaseName, chartDir, "--namespace", releaseNS}, valueArgs(tc.sets)...)...)
			switch {
			case tc.helm == nil && err != nil:
				t.Errorf("helm refuses values the controller accepts:\n%s", stderr)
			case tc.helm != nil && err == nil:
				t.Errorf("helm template accepted %v, which the controller refuses at start (%s)", tc.sets, tc.ctl)
			}
			for _, w := range tc.helm {
				if err != nil && !strings.Contains(string(stderr), w) {
					t.Errorf("helm's refusal lacks %q:\n%s", w, stderr)
				}
			}
			if err != nil {
				out = renderUnchecked(t, tc.sets)
			}
			docs := decode(t, out)
			var refusal string
			if flags {
				if testing.Short() {
					t.Skip("builds the controller")
				}
				refusal = startRefusal(t, bin, docs)
			} else {
				refusal = configRefusal(t, docs)
			}
			switch {
			case tc.ctl == "" && refusal != "":
				t.Errorf("the controller refuses what the chart renders:\n%s", refusal)
			case tc.ctl != "" && !strings.Contains(refusal, tc.ctl):
				t.Errorf("the controller's verdict lacks %q (the table is wrong, or the controller changed):\n%s", tc.ctl, refusal)
			}
		})
	}
}

// valueArgs passes each key=value pair to helm with --set, or with
// --set-json when the value is a number, as a values file writes it: --set
// reads 0.5 as the string "0.5".
func valueArgs(pairs []string) []string {
	var args []string
	for _, p := range pairs {
		_, v, _ := strings.Cut(p, "=")
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			args = append(args, "--set-json", p)
		} else {
			args = append(args, "--set", p)
		}
	}
	return args
}

// renderUnchecked renders a copy of the chart without its checks of config,
// and without the schema: what the controller would be given.
func renderUnchecked(t *testing.T, sets []string) []byte {
	t.Helper()
	dir := chartCopy(t, map[string]func(string) string{
		"templates/configmap.yaml": func(old string) string { return strings.Replace(old, checkInclude, "", 1) },
	})
	args := []string{"template", releaseName, dir, "--namespace", releaseNS, "--skip-schema-validation"}
	out, stderr, err := helm(t, append(args, valueArgs(sets)...)...)
	if err != nil {
		t.Fatalf("the chart without its checks refuses %v too, so the controller's verdict is unknown:\n%s", sets, stderr)
	}
	return out
}

// renderedConfig is the ConfigMap's config.yaml.
func renderedConfig(t *testing.T, docs []doc) string {
	t.Helper()
	for _, cm := range objects[*corev1.ConfigMap](docs) {
		if cm.Name == fullname+"-config" {
			return cm.Data["config.yaml"]
		}
	}
	t.Fatal("no ConfigMap " + fullname + "-config")
	return ""
}

// configRefusal is config.Load's error on the rendered config.yaml, as the
// controller reads its --config file at start; "" when it loads.
func configRefusal(t *testing.T, docs []doc) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(renderedConfig(t, docs)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err != nil {
		return err.Error()
	}
	return ""
}

// buildController builds `faas-autoscaler` into a temp dir.
func buildController(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "faas-autoscaler")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/faas-autoscaler").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startRefusal starts the controller with the rendered Deployment's args
// and config file and returns its refusal: what it printed when it exited
// on its checks of flags and configuration, before wiring; "" when it got
// past them. KUBECONFIG names no file, so a start that got past them stops
// at wiring, where it reads it (exit 2, naming --kubeconfig).
func startRefusal(t *testing.T, bin string, docs []doc) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(renderedConfig(t, docs)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := objects[*appsv1.Deployment](docs)[0].Spec.Template.Spec.Containers[0].Args
	if len(args) == 0 || args[0] != "run" {
		t.Fatalf("the container's args %q do not start with run", args)
	}
	var run []string
	for _, a := range args[1:] {
		switch {
		case strings.HasPrefix(a, "--config="):
			a = "--config=" + cfg
		case strings.HasPrefix(a, "--listen="):
			a = "--listen=127.0.0.1:0" // nothing listens before wiring, but never a shared port
		}
		run = append(run, a)
	}
	// A bound for a start that neither refuses nor stops at wiring (a
	// wiring that no longer reads the kubeconfig first), not a timing.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"run"}, run...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "KUBECONFIG="+filepath.Join(dir, "no-cluster"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("faas-autoscaler run %q neither refused its flags nor stopped at wiring:\n%s", run, stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("faas-autoscaler run %q: %v; want exit 2 (a refusal, or the missing kubeconfig at wiring):\n%s", run, err, stderr.String())
	}
	if strings.Contains(stderr.String(), "--kubeconfig: kubeconfig "+filepath.Join(dir, "no-cluster")) {
		return "" // past the checks, stopped at wiring
	}
	return stderr.String()
}
