package alerts

import (
	"strings"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
)

// GrafanaWebhookVersion is the version Grafana-managed alerting's webhook
// contact point sends. Its body is AlertManager's (Grafana embeds
// AlertManager's notifier: the same alerts with labels, annotations,
// status, startsAt, endsAt and fingerprint) plus fields of its own, which
// Decode ignores: orgId, title, state, message at the top; silenceURL,
// dashboardURL, panelURL, values and valueString in each alert.
const GrafanaWebhookVersion = "1"

// Grafana's names for the alerts it makes when a rule's query returns no
// data or fails (with the default "No Data" and "Error" handling): the
// rule's labels are kept, function_name included, and only alertname is
// replaced, so without this check they mapped to a signal for the function.
const (
	GrafanaNoDataAlert = "DatasourceNoData"
	GrafanaErrorAlert  = "DatasourceError"
)

// GrafanaStateReasonAnnotation says why Grafana put an alert in its state
// when that was not the rule's condition: "NoData" or "Error" when the rule's
// no-data or error handling is set to Alerting or Normal (the rule's own
// alert then fires, or resolves, with no load behind it), "MissingSeries"
// when the function's series disappeared, possibly joined with ", KeepLast".
const GrafanaStateReasonAnnotation = "grafana_state_reason"

// missingDataReasons are the grafana_state_reason parts that mean the rule
// saw no data: such an alert says nothing about the function's load. Other
// reasons (Paused, Updated, RuleDeleted) resolve an alert on a change of the
// rule, which the scaler may act on like any resolution.
var missingDataReasons = []string{"NoData", "Error", "MissingSeries"}

// seriesGone reports whether a is a resolution Grafana sent because the
// rule's series disappeared (grafana_state_reason MissingSeries, with no
// NoData or Error beside it). A rule whose threshold is in its query (CE's
// `rate(…) > 5`, imported into Grafana) resolves that way every time its
// condition ends: dropped as missing data, a step-mode function (which
// reads no metrics source and comes down only on a resolution) stayed at
// its stepped count for good (a review's finding). It is handed on as a
// resolution marked Signal.NoSeries, without its load annotation: step
// mode acts on it, the target modes ignore it (missing data is not load).
func seriesGone(a *template.Alert) bool {
	if a.Status != "resolved" {
		return false
	}
	if name := a.Labels[string(model.AlertNameLabel)]; name == GrafanaNoDataAlert || name == GrafanaErrorAlert {
		return false
	}
	gone := false
	for part := range strings.SplitSeq(a.Annotations[GrafanaStateReasonAnnotation], ",") {
		switch strings.TrimSpace(part) {
		case "MissingSeries":
			gone = true
		case "NoData", "Error":
			return false
		}
	}
	return gone
}

// withoutLoad is a copy of a without its load annotation: a resolution for
// a vanished series carries no load, whatever Grafana rendered there.
func withoutLoad(a *template.Alert) *template.Alert {
	c := *a
	c.Annotations = make(template.KV, len(a.Annotations))
	for k, v := range a.Annotations {
		if k != LoadAnnotation {
			c.Annotations[k] = v
		}
	}
	return &c
}

// missingData returns why an alert carries no load, or "" when it may be
// mapped to a signal. Missing data is not zero and not load: such an alert,
// firing or resolved, must never scale a function. It is checked for every
// payload version, since Grafana can also route its alerts through an
// AlertManager, which then sends them as version 4.
func missingData(a *template.Alert) string {
	if name := a.Labels[string(model.AlertNameLabel)]; name == GrafanaNoDataAlert || name == GrafanaErrorAlert {
		return "alert " + name + ": Grafana could not read its rule's data; missing data is not load, nothing to scale"
	}
	reason := a.Annotations[GrafanaStateReasonAnnotation]
	for part := range strings.SplitSeq(reason, ",") {
		for _, r := range missingDataReasons {
			if strings.TrimSpace(part) == r {
				return "annotation " + GrafanaStateReasonAnnotation + " " + reason + ": Grafana had no data for the rule; missing data is not load, nothing to scale"
			}
		}
	}
	return ""
}
