package rules

import "testing"

// cpuIdledUnitTest: a cpu-type function opted into scale to zero, idle
// (no invocations) for its zero-duration, its one pod using the 2 milli-CPU
// any running container does. The idler scales it to zero at 300 s: the
// controller's replica gauge reads 0 from there on, and the pod's CPU
// series ends with its last sample at 300 s (kubelet every 10 s).
//
// A function at zero has no pod, so no CPU load: any cpu load seen at zero
// is the window's memory of the pods it had. The generic at-zero rule reads
// the load record (rate over the 1 m CPU window), which holds the removed
// pod's 2m until its samples leave the window, so FunctionAtZeroWithLoad
// {scaling_type="cpu"} fires right after every idle. The controller takes a
// firing at-zero alert as fresh evidence (scaler/wake.go: the alert's load
// goes in as the burst reading, Evidence 0, so the actuator's stale-evidence
// guard in actuator/arbitrate.go does not apply; and a firing alert wakes a
// function at zero even without a usable load) and wakes the function it
// has just idled: a cpu function never stays at zero.
const cpuIdledUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 10s
    input_series:
      - series: 'pod_cpu_usage_seconds_total{function_name="cpufn.openfaas-fn",namespace="openfaas-fn",pod="cpufn-a",job="kubelet",instance="node-1"}'
        values: '1000+0.02x30'
      - series: 'faas_autoscaler_function_target_load{function_name="cpufn.openfaas-fn",job="faas-autoscaler",instance="controller:8080",scaling_type="cpu"}'
        values: '100x60'
      - series: 'faas_autoscaler_function_replicas{function_name="cpufn.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x29 0x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="cpufn.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x60'
      - series: 'faas_autoscaler_function_max_replicas{function_name="cpufn.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '5x60'
    promql_expr_test:
      # The pod's baseline before the idle: 2 milli-CPU.
      - expr: round(job:function_current_load:sum{scaling_type="cpu"})
        eval_time: 250s
        exp_samples:
          - labels: '{function_name="cpufn.openfaas-fn", scaling_type="cpu"}'
            value: 2
    alert_rule_test:
      # Running: no at-zero alert.
      - eval_time: 250s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
      # At zero, the pod gone: no CPU load exists, so no at-zero alert.
      - eval_time: 305s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
      - eval_time: 320s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
      - eval_time: 340s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
`

// TestCPUAtZeroAfterIdleDoesNotFire: FunctionAtZeroWithLoad must
// not fire for a cpu function the idler has just parked, on the CPU its
// removed pod used before.
func TestCPUAtZeroAfterIdleDoesNotFire(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(cpuIdledUnitTest), "at-zero alert for a cpu function right after its idle")
}

// rpsIdledUnitTest: an rps function called once a second until 100 s
// (the gateway scraped every 5 s), then no more. Its keep-alive is short
// (com.openfaas.scale.zero-duration=5s, which the controller accepts: at
// least 1 s; or a zero_now plan of the adaptive keep-alive, which idles a
// function at the idler's first cycle after its call), so the idler parks
// it and the controller's replica gauge reads 0 from 110 s on.
//
// No call came after the idle, yet the generic at-zero rule reads the
// window's rate (20 s), which still holds the calls made before it, and
// FunctionAtZeroWithLoad{scaling_type="rps"} fires at 110 s: the
// controller takes it as fresh evidence and wakes the function it has just
// idled (scaler/wake.go says why it never wakes on the stable window's
// reading itself: "waking on it undid every idle whose keep-alive was
// shorter than the stable window"). The last scrape interval (irate) shows
// no call since 100 s.
const rpsIdledUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="short.openfaas-fn",job="gateway",instance="gateway:8082"}'
        values: '1000+5x20 1100x20'
      - series: 'faas_autoscaler_function_target_load{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080",scaling_type="rps"}'
        values: '50x41'
      - series: 'faas_autoscaler_function_replicas{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x21 0x20'
      - series: 'faas_autoscaler_function_min_replicas{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x41'
      - series: 'faas_autoscaler_function_max_replicas{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '5x41'
    promql_expr_test:
      # No call in the last scrape interval once at zero.
      - expr: function_name:gateway_function_invocation_total:irate20s
        eval_time: 110s
        exp_samples:
          - labels: 'function_name:gateway_function_invocation_total:irate20s{function_name="short.openfaas-fn"}'
            value: 0
    alert_rule_test:
      - eval_time: 110s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
      - eval_time: 112s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
`

// TestRPSAtZeroAfterShortKeepAliveDoesNotFire: FunctionAtZeroWithLoad
// must not fire on calls made before the function was idled.
func TestRPSAtZeroAfterShortKeepAliveDoesNotFire(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(rpsIdledUnitTest), "at-zero alert for an rps function right after a short keep-alive")
}

// rpsCalledAtZeroUnitTest: the same function, at zero since 110 s, called
// again at 150 s (the gateway's scale from zero serves it; its counter moves
// at the 155 s scrape): the alert fires on that call, for the scrape
// interval that shows it, and resolves after.
const rpsCalledAtZeroUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="short.openfaas-fn",job="gateway",instance="gateway:8082"}'
        values: '1000+5x20 1100x9 1101x10'
      - series: 'faas_autoscaler_function_target_load{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080",scaling_type="rps"}'
        values: '50x41'
      - series: 'faas_autoscaler_function_replicas{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x21 0x20'
      - series: 'faas_autoscaler_function_min_replicas{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x41'
      - series: 'faas_autoscaler_function_max_replicas{function_name="short.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '5x41'
    alert_rule_test:
      - eval_time: 152s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
      - eval_time: 157s
        alertname: FunctionAtZeroWithLoad
        exp_alerts:
          - exp_labels:
              alertname: FunctionAtZeroWithLoad
              direction: up
              function_name: short.openfaas-fn
              scaling_type: rps
              service: faas-autoscaler
            exp_annotations:
              load: "0.2"
              summary: "short.openfaas-fn is at zero replicas with rps load 0.2"
      - eval_time: 162s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
`

// TestRPSCalledAtZeroFires: a call that comes after the idle fires the
// at-zero alert at once (its only evidence is the last scrape interval).
func TestRPSCalledAtZeroFires(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(rpsCalledAtZeroUnitTest), "at-zero alert for a call after the idle")
}

// capacityIdledUnitTest: a capacity function with 4 requests in flight
// until 90 s, then none; idled at once (a zero_now plan) so the
// controller's gauge reads 0 from 100 s. The window's peak (20 s) still
// holds the 4 until 110 s; no request is in flight at zero, so no alert.
// At 150 s two requests wait at zero (the gateway holds them while it
// scales from zero): it fires with their count.
const capacityIdledUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_inflight{function_name="cap.openfaas-fn",job="gateway",instance="gateway:8082"}'
        values: '4x18 0x11 2x10'
      - series: 'faas_autoscaler_function_target_load{function_name="cap.openfaas-fn",job="faas-autoscaler",instance="controller:8080",scaling_type="capacity"}'
        values: '5x40'
      - series: 'faas_autoscaler_function_replicas{function_name="cap.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x19 0x21'
      - series: 'faas_autoscaler_function_min_replicas{function_name="cap.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x40'
      - series: 'faas_autoscaler_function_max_replicas{function_name="cap.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '5x40'
    promql_expr_test:
      # The window's peak still holds the requests before the idle.
      - expr: job:function_current_load:sum{scaling_type="capacity"}
        eval_time: 102s
        exp_samples:
          - labels: 'job:function_current_load:sum{function_name="cap.openfaas-fn", scaling_type="capacity"}'
            value: 4
    alert_rule_test:
      - eval_time: 102s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
      - eval_time: 108s
        alertname: FunctionAtZeroWithLoad
        exp_alerts: []
      - eval_time: 157s
        alertname: FunctionAtZeroWithLoad
        exp_alerts:
          - exp_labels:
              alertname: FunctionAtZeroWithLoad
              direction: up
              function_name: cap.openfaas-fn
              scaling_type: capacity
              service: faas-autoscaler
            exp_annotations:
              load: "2"
              summary: "cap.openfaas-fn is at zero replicas with capacity load 2"
`

// TestCapacityAtZeroReadsTheLastInterval: at zero the capacity alert reads
// the requests in flight now, not the window's peak from before the idle.
func TestCapacityAtZeroReadsTheLastInterval(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(capacityIdledUnitTest), "at-zero alert for a capacity function after its idle")
}
