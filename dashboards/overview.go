package dashboards

//lint:file-ignore SA1019 dashboard (v1) JSON is deliberate: Grafana's classic file provisioning reads v1, not the v2 resource schema.

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// UIDs are fixed so links and provisioning survive regeneration.
const (
	UIDOverview   = "faas-autoscaler-overview"
	UIDFunction   = "faas-autoscaler-function"
	UIDController = "faas-autoscaler-controller"
)

var tags = []string{"faas", "openfaas", "faas-autoscaler"}

// Overview is the Functions overview: traffic, errors and latency per
// function, replicas as the provider, the gateway and the controller see
// them, scale events and functions at zero.
func Overview() *dashboard.DashboardBuilder {
	l := &layout{}
	return dashboard.NewDashboardBuilder("Functions overview").Uid(UIDOverview).
		Description("Invocations, errors, latency and replicas of every function, with the autoscaler's targets and scale events.").
		Tags(tags).Refresh("10s").Time("now-1h", "now").Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(datasourceVariable()).
		WithPanel(invocationRatePanel(1, l.next(12, 8))).
		WithPanel(errorRatePanel(2, l.next(12, 8))).
		WithPanel(latencyPanel(3, l.next(12, 8))).
		WithPanel(replicasPanel(4, l.next(12, 8))).
		WithPanel(scaleEventsPanel(5, l.next(12, 8))).
		WithPanel(scalingAlertsPanel(6, l.next(12, 8))).
		WithPanel(functionsAtZeroPanel(7, l.next(12, 5))).
		WithPanel(functionsIdledPanel(8, l.next(12, 5)))
}

func invocationRatePanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Invocation rate by function", "Completed invocations per second, all status codes.", "reqps", pos,
		query{promql.SumOverGateways(`rate(gateway_function_invocation_total[$__rate_interval])`, true), "{{function_name}}"})
}

func errorRatePanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Errors by function", "Invocations per second answered with a non-2xx status, by code (502: upstream failure or timeout).", "reqps", pos,
		query{promql.SumOverGatewaysBy("function_name, code", `rate(gateway_function_invocation_total{code!~"2.."}[$__rate_interval])`, true), "{{function_name}} {{code}}"})
}

func latencyPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Latency p95 by function", "95th percentile of gateway_functions_seconds (gateway to function and back).", "s", pos,
		query{`histogram_quantile(0.95, sum by (function_name, le) (rate(gateway_functions_seconds_bucket[$__rate_interval])))`, "{{function_name}}"})
}

func replicasPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Replicas: desired, available, controller target", "Desired and available as the provider reports them, and the replica count the autoscaler last decided.", "short", pos,
		query{`max by (function_name) (faas_autoscaler_function_replicas)`, "{{function_name}} desired"},
		query{`max by (function_name) (faas_autoscaler_function_available_replicas)`, "{{function_name}} available"},
		query{`max by (function_name) (faas_autoscaler_function_desired_replicas)`, "{{function_name}} target"})
}

func scaleEventsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Scale calls", "Scale operations sent to the provider per second, by function and result. "+countBars, "ops", pos,
		query{`sum by (function_name, result) (rate(faas_autoscaler_scale_calls_total[$__rate_interval]))`, "{{function_name}} {{result}}"}).
		DrawStyle(drawBars)
}

func scalingAlertsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Scaling alerts firing", "Alerts from the generated rules that wake the controller, by alert.", "short", pos,
		query{`count by (alertname) (ALERTS{service="faas-autoscaler", alertstate="firing"})`, "{{alertname}}"})
}

func functionsAtZeroPanel(id uint32, pos dashboard.GridPos) *statPanelBuilder {
	return statPanel(id, "Functions at zero", "Functions the idler holds at zero replicas.", "short", pos,
		query{`max(faas_autoscaler_idler_functions_at_zero)`, "at zero"})
}

func functionsIdledPanel(id uint32, pos dashboard.GridPos) *statPanelBuilder {
	return statPanel(id, "Functions idled (range)", "Functions scaled to zero by the idler over the dashboard's time range.", "short", pos,
		query{`sum(increase(faas_autoscaler_idler_functions_idled_total[$__range]))`, "idled"})
}
