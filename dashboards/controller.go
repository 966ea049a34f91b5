package dashboards

//lint:file-ignore SA1019 dashboard (v1) JSON is deliberate: Grafana's classic file provisioning reads v1, not the v2 resource schema.

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Controller is the Controller health dashboard: the webhook AlertManager
// calls, the provider API, how long reconcile and idler cycles take, and
// whether the adaptive keep-alive is learning (its reads fail or take longer
// than the learn step at a large fleet on a loaded Prometheus, and nothing
// else shows it).
func Controller() *dashboard.DashboardBuilder {
	l := &layout{}
	return dashboard.NewDashboardBuilder("Autoscaler controller health").Uid(UIDController).
		Description("The autoscaler itself: webhook traffic and latency, provider calls and errors, reconcile and idler cycles, whether the adaptive keep-alive is learning.").
		Tags(tags).Refresh("10s").Time("now-1h", "now").Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(datasourceVariable()).
		WithPanel(webhookRatePanel(1, l.next(12, 8))).
		WithPanel(webhookLatencyPanel(2, l.next(12, 8))).
		WithPanel(providerCallsPanel(3, l.next(12, 8))).
		WithPanel(providerLatencyPanel(4, l.next(12, 8))).
		WithPanel(reconcileDurationPanel(5, l.next(12, 8))).
		WithPanel(idlerCyclePanel(6, l.next(12, 8))).
		WithPanel(idlerSkippedPanel(7, l.next(12, 8))).
		WithPanel(scaleCallResultsPanel(8, l.next(12, 8))).
		WithPanel(keepAliveReadsPanel(9, l.next(12, 8))).
		WithPanel(keepAliveHeldPanel(10, l.next(12, 8))).
		WithPanel(keepAliveLearnedPanel(11, l.next(12, 8)))
}

func webhookRatePanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Webhook requests by result", "POST /system/alert calls from AlertManager per second, by result (unauthorized ones mean a wrong password in AlertManager's config).", "reqps", pos,
		query{`sum by (result) (rate(faas_autoscaler_webhook_requests_total[$__rate_interval]))`, "{{result}}"})
}

func webhookLatencyPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Webhook latency", "Time to answer AlertManager; a slow answer delays its next flush.", "s", pos,
		query{`histogram_quantile(0.5, sum by (le) (rate(faas_autoscaler_webhook_duration_seconds_bucket[$__rate_interval])))`, "p50"},
		query{`histogram_quantile(0.99, sum by (le) (rate(faas_autoscaler_webhook_duration_seconds_bucket[$__rate_interval])))`, "p99"})
}

func providerCallsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Provider calls by result", "Calls to the provider API (OpenFaaS or Kubernetes) per second, by operation and result; errors show here first.", "reqps", pos,
		query{`sum by (operation, result) (rate(faas_autoscaler_provider_calls_total[$__rate_interval]))`, "{{operation}} {{result}}"})
}

func providerLatencyPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Provider call latency p99", "99th percentile duration of provider calls, by operation.", "s", pos,
		query{`histogram_quantile(0.99, sum by (operation, le) (rate(faas_autoscaler_provider_call_duration_seconds_bucket[$__rate_interval])))`, "{{operation}}"})
}

func reconcileDurationPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Reconcile pass: duration and data age", "Time one pass of the scaler's reconcile loop takes, and how long after the gateway's last scrape slot it ran (scaler.align_lag times the passes after Prometheus' scrapes of the gateway; absent when the metrics source does not tell). The slot is Prometheus' schedule, not a successful scrape: a gateway that stopped answering shows in the idler's missing data and the load-read errors, not here.", "s", pos,
		query{`histogram_quantile(0.5, sum by (le) (rate(faas_autoscaler_reconcile_duration_seconds_bucket[$__rate_interval])))`, "p50"},
		query{`histogram_quantile(0.99, sum by (le) (rate(faas_autoscaler_reconcile_duration_seconds_bucket[$__rate_interval])))`, "p99"},
		query{`max(faas_autoscaler_pass_scrape_age_seconds)`, "pass after the scrape slot"})
}

func idlerCyclePanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Idler cycles", "Idler cycle duration (p99) and runs.", "s", pos,
		query{`histogram_quantile(0.99, sum by (le) (rate(faas_autoscaler_idler_cycle_duration_seconds_bucket[$__rate_interval])))`, "cycle p99"},
		query{`sum(increase(faas_autoscaler_idler_runs_total[$__rate_interval]))`, "runs"}).
		OverrideByQuery(refID(1), unitOverride("short")) // a count, not seconds
}

// idlerSkippedPanel shows functions per idler cycle: the counter grows by
// the functions a cycle skips, so its increase over $__rate_interval
// counted the cycles that fell in the window (and Prometheus 3 extrapolated
// a part of one): 3 functions left alone every 30 s read as a comb of 0 and
// 4. Divided by the cycles in the same window, a step without a cycle shows
// nothing rather than 0.
func idlerSkippedPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Idler: functions not idled, by reason", "Why the idler left functions alone (active, in flight, missing data, not opted in, too young, dry run), per idler cycle.", "short", pos,
		query{`sum by (reason) (increase(faas_autoscaler_idler_skipped_total[$__rate_interval])) / on () group_left () (sum(increase(faas_autoscaler_idler_runs_total{result="ok"}[$__rate_interval])) > 0)`, "{{reason}}"})
}

func scaleCallResultsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Scale calls by result", "Scale operations per second across all functions, by result. "+countBars, "ops", pos,
		query{`sum by (result) (rate(faas_autoscaler_scale_calls_total[$__rate_interval]))`, "{{result}}"}).
		DrawStyle(drawBars)
}

func keepAliveReadsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Keep-alive learning: reads", "The adaptive keep-alive's reads of every function's calls (one every keep_alive.learn_step), by result, and the steps nothing was learned across (a failed read; a read too long after the one before). Errors here mean it learns nothing: see the log's Warn. "+countBars, "ops", pos,
		query{`sum by (result) (rate(faas_autoscaler_keepalive_reads_total[$__rate_interval]))`, "reads {{result}}"},
		query{`sum by (reason) (rate(faas_autoscaler_keepalive_unknown_steps_total[$__rate_interval]))`, "unknown: {{reason}}"}).
		DrawStyle(drawBars)
}

// keepAliveLearnedPanel says how far back the calls the keep-alive learned
// from reach: after a restart, the span its rebuild read (hours of a day at
// thousands of functions), then the whole lookback once the fill has read
// the rest. Of the replicas, the one that learned least (each learns for
// itself: a follower that takes over plans on its own history).
func keepAliveLearnedPanel(id uint32, pos dashboard.GridPos) *statPanelBuilder {
	return statPanel(id, "Keep-alive learning: history learned", "How far back the calls the adaptive keep-alive has read reach, on the replica that learned least. After a restart: the span the rebuild read within keep_alive.rebuild_timeout, growing to the whole lookback as the fill reads the older history (a rare function's plan rests on this span), then with uptime. Each function keeps its newest 256 idle times, not all of them. Empty until the rebuild or the first read.", "s", pos,
		query{`time() - max(faas_autoscaler_keepalive_learned_since_timestamp_seconds)`, "history learned"})
}

func keepAliveHeldPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Keep-alive learning: read time and idle times held", "How long a read takes (p90; longer than keep_alive.learn_step stretches the next read's window), and the share of the idle-time bound the functions' histories hold together.", "s", pos,
		query{`histogram_quantile(0.9, sum by (le) (rate(faas_autoscaler_keepalive_read_duration_seconds_bucket[$__rate_interval])))`, "read p90"},
		query{`sum(faas_autoscaler_keepalive_idle_times) / sum(faas_autoscaler_keepalive_max_idle_times)`, "idle times held / bound"}).
		OverrideByQuery(refID(1), unitOverride("percentunit"))
}
