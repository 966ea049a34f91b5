package rules

import (
	"fmt"
	"strings"
	"time"
)

// GroupHealth holds the alerts about the controller itself, for the
// people who run it: they carry a severity and no RouteLabel, so the route
// to the webhook never matches them (the controller would take them for
// scaling alerts without a function and answer 400). Not setting the label
// is not enough: an alert that keeps its series' labels (TargetDown,
// KubernetesCacheStale) keeps the target's, and prometheus-operator gives a
// ServiceMonitor's targets service="<the Service>", the chart's Service of a
// release named faas-autoscaler is faas-autoscaler, and the chart's alerts
// carry the namespace the AlertmanagerConfig's route requires. So each
// health alert sets RouteLabel to "", which Prometheus reads as removing it.
const GroupHealth = "faas-autoscaler-health"

// HealthEvaluationInterval is GroupHealth's interval: its windows span
// minutes and its `for` five minutes or more, so an evaluation every second,
// the scaling group's, would only cost.
const HealthEvaluationInterval = 30 * time.Second

// DefaultControllerJob is the scrape job of the controller's /metrics the
// health alerts select by default. The chart rewrites job="…" of this value
// into its ServiceMonitor's or PodMonitor's job (prometheusrule.yaml).
const DefaultControllerJob = "faas-autoscaler"

// Health alert names.
const (
	AlertControllerDown           = "FaasAutoscalerDown"
	AlertControllerTargetDown     = "FaasAutoscalerTargetDown"
	AlertNoLeader                 = "FaasAutoscalerNoLeader"
	AlertProviderErrors           = "FaasAutoscalerProviderErrors"
	AlertKubernetesCacheStale     = "FaasAutoscalerKubernetesCacheStale"
	AlertScaleCallsFailing        = "FaasAutoscalerScaleCallsFailing"
	AlertLoadReadsFailing         = "FaasAutoscalerLoadReadsFailing"
	AlertIdlerMissingData         = "FaasAutoscalerIdlerMissingData"
	AlertKeepAliveLearningFailing = "FaasAutoscalerKeepAliveLearningFailing"
	AlertWebhookRefused           = "FaasAutoscalerWebhookRefused"
)

// SeverityLabel and its values, as kube-prometheus-stack's alerts carry them.
const (
	SeverityLabel    = "severity"
	SeverityCritical = "critical"
	SeverityWarning  = "warning"
)

// RunbookBase is where each health alert's runbook_url points, followed by
// the alert's name in lower case (the anchor of its heading there).
const RunbookBase = "https://github.com/faas-autoscaler/faas-autoscaler/blob/main/docs/reliability.md#"

// The controller's metrics the health alerts read (scaler, actuator, provider,
// provider/kubernetes, idler, keepalive, leader and alerts packages; TestHealthSelectorsMatchTheController
// checks each selector against what the controller registers).
const (
	metricLeader          = "faas_autoscaler_leader_is_leader"
	metricLeaseHeld       = "faas_autoscaler_leader_lease_held"
	metricProviderCalls   = "faas_autoscaler_provider_calls_total"
	metricWatchFailing    = "faas_autoscaler_kubernetes_watch_failing"
	metricScaleCalls      = "faas_autoscaler_scale_calls_total"
	metricReconcileErrors = "faas_autoscaler_reconcile_errors_total"
	metricPasses          = "faas_autoscaler_reconcile_duration_seconds_count"
	metricIdlerMissing    = "faas_autoscaler_idler_missing_data_cycles_total"
	metricLearningReads   = "faas_autoscaler_keepalive_reads_total"
	metricWebhookRequests = "faas_autoscaler_webhook_requests_total"
)

// Thresholds. Every error-ratio alert also needs a number of failures in
// its window (the floor), so that one failure among few calls (a quiet
// night, a fleet of three functions) does not page.
const (
	// providerErrorRatio of provider calls of one operation failing over
	// providerWindow, with at least providerErrorFloor failures. Failing is
	// error or unauthorized; not_found (a function deleted meanwhile),
	// refused (OpenFaaS CE refusing zero) and conflict (a concurrent write,
	// re-read and retried) are answers, not faults.
	providerErrorRatio = 0.1
	providerErrorFloor = 5
	providerWindow     = 10 * time.Minute
	// A function's scale calls: half failing over scaleWindow, at least
	// scaleErrorFloor of them (the actuator backs a failing function off to
	// one call a minute, so a persistent fault makes about 15).
	scaleErrorRatio = 0.5
	scaleErrorFloor = 3
	scaleWindow     = 15 * time.Minute
	// Load reads: failures in half the passes (a pass reads each type and
	// window once, so a pass may fail more than once: the ratio is clamped
	// at 1; at the default 5 s interval, 120 passes in 10 minutes).
	loadErrorRatio = 0.5
	loadErrorFloor = 5
	loadWindow     = 10 * time.Minute
	// idlerMissingFloor unusable activity answers in idlerWindow (the
	// default schedule runs 20 cycles in it), held for longer than the
	// window: a burst of failures (a Prometheus restart) leaves the window
	// before the `for` ends, a lasting fault does not.
	idlerMissingFloor = 5
	idlerWindow       = 10 * time.Minute
	// The keep-alive's learning reads (one every learn_step, 15 s: 60 in
	// 15 minutes).
	learnErrorRatio = 0.5
	learnErrorFloor = 5
	learnWindow     = 15 * time.Minute
	// A Kubernetes informer's list/watch failing with none answered since,
	// for cacheStaleFor: the informers retry with backoff (at most 30 s
	// apart), so a blip of the API server (an upgrade, a leader change)
	// ends well within it.
	cacheStaleFor = 10 * time.Minute
	// Webhook requests refused, by result.
	webhookRefusedRatio = 0.5
	webhookRefusedFloor = 5
	webhookWindow       = 10 * time.Minute
)

// watchedNamespace is, in an annotation, the namespace a
// faas_autoscaler_kubernetes_watch_failing series names. Scraped through
// Kubernetes service discovery (the operator's monitors, most scrape
// configs) the target's own namespace label wins and the series' becomes
// exported_namespace; scraped without one, it stays namespace.
const watchedNamespace = "{{ or $labels.exported_namespace $labels.namespace }}"

// providerFailed and webhookRefused are the failing result label values
// (provider.ResultError, provider.ResultUnauthorized; the alerts package's
// request results but accepted and method_not_allowed, which answers a
// person's GET or a probe, not AlertManager: those requests count on
// neither side of the webhook's ratio).
const (
	providerFailed = `error|unauthorized`
	webhookRefused = `unauthorized|bad_request|too_large|unavailable|error`
)

// healthRules returns the alerts about the controller itself, selecting its
// series by job="<o.ControllerJob>".
func healthRules(o Options) []Rule {
	job := fmt.Sprintf("job=%q", o.ControllerJob)
	sel := func(metric, matchers string) string {
		if matchers == "" {
			return metric + "{" + job + "}"
		}
		return metric + "{" + job + "," + matchers + "}"
	}
	inc := func(by, metric, matchers string, w time.Duration) string {
		return fmt.Sprintf("sum by (%s) (increase(%s[%s]))", by, sel(metric, matchers), Duration(w))
	}
	// ratio is failed ÷ all over w, by the labels in by, above ratio, with
	// at least floor failures.
	ratio := func(by, metric, failed string, w time.Duration, ratio float64, floor int) string {
		return fmt.Sprintf("%s\n  / %s\n  > %s\nand\n%s\n  >= %d",
			inc(by, metric, failed, w), inc(by, metric, "", w), formatFloat(ratio),
			inc(by, metric, failed, w), floor)
	}
	alert := func(name, severity string, expr string, forDur time.Duration, summary, description string) Rule {
		return Rule{
			Alert:  name,
			Expr:   expr,
			For:    Dur(forDur),
			Labels: map[string]string{SeverityLabel: severity, RouteLabel: ""},
			Annotations: map[string]string{
				"summary":     summary,
				"description": description,
				"runbook_url": RunbookBase + strings.ToLower(name),
			},
		}
	}
	return []Rule{
		alert(AlertControllerDown, SeverityCritical,
			fmt.Sprintf("absent(%s == 1)", sel("up", "")), 5*time.Minute,
			"No faas-autoscaler controller has been scraped for 5 minutes.",
			"Prometheus has no successful scrape of any faas-autoscaler controller: functions are neither scaled nor idled, "+
				"and no scaling alert can fire without the controller's gauges. Check the controller's pods (status, restarts, logs) "+
				"and that Prometheus scrapes them (the ServiceMonitor, PodMonitor or scrape job)."),
		alert(AlertControllerTargetDown, SeverityWarning,
			sel("up", "")+" == 0", 10*time.Minute,
			"faas-autoscaler controller {{ $labels.instance }} is not scraped.",
			"Prometheus has failed to scrape the controller at {{ $labels.instance }} for 10 minutes. With leader election, "+
				"another replica may lead meanwhile, but one fewer replica is ready to take over. Check that pod's status and log."),
		// No scraped replica leads. That is no leader unless the leader is
		// a replica Prometheus does not scrape (up == 0: a network policy,
		// a scrape timeout) and a scraped one sees its Lease renewed
		// (lease_held): then scaling works and TargetDown says what is
		// wrong. up == 0 alone would hide a real loss while any replica is
		// down; lease_held alone would hide a holder that is scraped and
		// does not lead (the expression still does while another replica
		// is unscraped: telling which replica holds the Lease would need
		// its identity matched to a target label, which scrape
		// configurations name differently). Without leader election neither gauge exists and
		// the alert never fires; replicas without lease_held (an upgrade
		// under way) leave it as it was, on is_leader alone.
		alert(AlertNoLeader, SeverityCritical,
			fmt.Sprintf("sum by (job) (%s) < 1\nunless on (job) (\n  max by (job) (%s) == 1\n  and on (job)\n  count by (job) (%s == 0)\n)",
				sel(metricLeader, ""), sel(metricLeaseHeld, ""), sel("up", "")), 5*time.Minute,
			"No faas-autoscaler replica has led for 5 minutes.",
			"Leader election is on, no scraped replica leads, and no unscraped replica is seen holding the Lease: "+
				"nothing scales or idles. Check the replicas' logs for the Lease (RBAC on coordination.k8s.io leases, the API server's "+
				"reachability) and faas_autoscaler_leader_stops_total by reason."),
		alert(AlertProviderErrors, SeverityWarning,
			ratio("job, operation", metricProviderCalls, fmt.Sprintf("result=~%q", providerFailed), providerWindow, providerErrorRatio, providerErrorFloor),
			10*time.Minute,
			"faas-autoscaler's {{ $labels.operation }} calls to the provider fail.",
			"{{ $value | humanizePercentage }} of the controller's {{ $labels.operation }} calls to its provider (OpenFaaS gateway or Kubernetes API) "+
				"failed over 10 minutes (error or unauthorized). Check the controller's log, the provider's reachability and its credentials "+
				"(faas_autoscaler_provider_calls_total by result)."),
		alert(AlertKubernetesCacheStale, SeverityWarning,
			sel(metricWatchFailing, "")+" == 1", cacheStaleFor,
			"faas-autoscaler's cache of {{ $labels.resource }} in "+watchedNamespace+" is stale.",
			"Every list/watch of {{ $labels.resource }} in namespace "+watchedNamespace+" by the controller at {{ $labels.instance }} "+
				"has failed for 10 minutes: its cache serves what it last saw. For deployments, the scaler and the idler decide on stale "+
				"replica counts and labels (writes still read the live count), and new functions are not seen; for horizontalpodautoscalers, "+
				"an HPA that starts scaling a function is not detected. The explain API's kubernetes.cache_failing shows the error and "+
				"since when. Check the controller's log, its RBAC in that namespace (list and watch), its service account token, "+
				"and the API server's reachability."),
		alert(AlertScaleCallsFailing, SeverityWarning,
			ratio("job, function_name", metricScaleCalls, `result="error"`, scaleWindow, scaleErrorRatio, scaleErrorFloor),
			5*time.Minute,
			"Scaling {{ $labels.function_name }} fails.",
			"{{ $value | humanizePercentage }} of the controller's scale calls for {{ $labels.function_name }} failed over 15 minutes: "+
				"it stays at its size. Check the controller's log and its explain API for the function (the last call's error), "+
				"and the function's deployment."),
		alert(AlertLoadReadsFailing, SeverityCritical,
			fmt.Sprintf("clamp_max(\n  %s\n  / %s,\n  1\n) >= %s\nand\n%s\n  >= %d",
				inc("job", metricReconcileErrors, `stage="load"`, loadWindow), inc("job", metricPasses, "", loadWindow), formatFloat(loadErrorRatio),
				inc("job", metricReconcileErrors, `stage="load"`, loadWindow), loadErrorFloor),
			10*time.Minute,
			"faas-autoscaler cannot read function load.",
			"The controller's load queries to its metrics source failed in {{ $value | humanizePercentage }} of its passes over 10 minutes: "+
				"functions keep their replicas (missing is not zero). Check that Prometheus answers at the controller's prometheus.url "+
				"and the controller's log."),
		alert(AlertIdlerMissingData, SeverityWarning,
			inc("job, reason", metricIdlerMissing, "", idlerWindow)+fmt.Sprintf(" >= %d", idlerMissingFloor), 15*time.Minute,
			"faas-autoscaler's idler has no usable activity data ({{ $labels.reason }}).",
			"{{ printf \"%.0f\" $value }} of the idler's activity queries in 10 minutes gave no usable answer (reason {{ $labels.reason }}), "+
				"so no function is scaled to zero. not_covered: Prometheus does not scrape the gateway the controller's "+
				"prometheus.coverage_selector names; source_error and recheck_error: the queries failed. Check the gateway's "+
				"scrape and the controller's log."),
		alert(AlertKeepAliveLearningFailing, SeverityWarning,
			ratio("job", metricLearningReads, `result="error"`, learnWindow, learnErrorRatio, learnErrorFloor),
			15*time.Minute,
			"faas-autoscaler's keep-alive does not learn idle times.",
			"{{ $value | humanizePercentage }} of the keep-alive's activity reads failed over 15 minutes: it learns no idle times and "+
				"keeps functions warm on what it learned before. Check that Prometheus answers and the controller's log."),
		alert(AlertWebhookRefused, SeverityWarning,
			fmt.Sprintf("%s\n  / on (job) group_left ()\n%s\n  > %s\nand\n%s\n  >= %d",
				inc("job, result", metricWebhookRequests, fmt.Sprintf("result=~%q", webhookRefused), webhookWindow),
				inc("job", metricWebhookRequests, `result!="method_not_allowed"`, webhookWindow), formatFloat(webhookRefusedRatio),
				inc("job, result", metricWebhookRequests, fmt.Sprintf("result=~%q", webhookRefused), webhookWindow), webhookRefusedFloor),
			10*time.Minute,
			"faas-autoscaler refuses its webhook's deliveries ({{ $labels.result }}).",
			"{{ $value | humanizePercentage }} of the webhook requests to the controller were answered {{ $labels.result }} over 10 minutes: "+
				"AlertManager's scaling alerts do not reach it, and functions scale only on the controller's own passes. "+
				"unauthorized: AlertManager's credentials differ from the controller's (faas_autoscaler_webhook_auth_failures_total by reason); "+
				"unavailable or error: see the controller's log."),
	}
}
