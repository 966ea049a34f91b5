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
