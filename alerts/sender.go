package alerts

// sender is who posted a webhook body, as far as its version tells, with
// the words its warnings need: the setting that bounds a batch and what the
// sender does with a 503. Both differ between the two senders the receiver
// accepts: AlertManager's webhook_config has max_alerts and AlertManager
// retries a 5xx with back-off; Grafana's webhook contact point has Max
// Alerts and does not retry a failed webhook at all (its notifier reports
// every failure as not retryable), so the periodic evaluation is what acts
// on the functions of a batch answered 503.
type sender struct {
	name      string // the log's sender attribute
	maxAlerts string // where the batch size is bounded
	on503     string // what follows a 503
}

var (
	alertmanagerSender = sender{
		name:      "AlertManager",
		maxAlerts: "max_alerts on the AlertManager webhook_config",
		on503:     "AlertManager retries the batch with back-off; the periodic evaluation acts meanwhile",
	}
	grafanaSender = sender{
		name:      "Grafana",
		maxAlerts: "Max Alerts on the Grafana webhook contact point",
		on503:     "Grafana does not retry a failed webhook; the periodic evaluation acts on the functions instead",
	}
	// A body without a version: hand-written payloads and relays (the
	// OpenFaaS CE gateway never read it). Decode treats it as version 4,
	// but who sent it, and whether it retries, is not known.
	unknownSender = sender{
		name:      "unknown (no version)",
		maxAlerts: "max_alerts (AlertManager webhook_config) or Max Alerts (Grafana webhook contact point)",
		on503:     "a sender that retries a 5xx sends the batch again; the periodic evaluation acts meanwhile",
	}
)

// senderOf names the sender of m from its version (Decode has accepted only
// these three).
func senderOf(m *Message) sender {
	switch m.Version {
	case GrafanaWebhookVersion:
		return grafanaSender
	case WebhookVersion:
		return alertmanagerSender
	}
	return unknownSender
}

// credentialsHint says where each sender keeps the webhook's credentials: a
// request is refused before its body is read, so its sender is not known.
const credentialsHint = "AlertManager: http_config (basic_auth or authorization) of the webhook_config; " +
	"Grafana: the webhook contact point's HTTP Basic Authentication or Authorization Header"

// tooLargeRemedy is how any sender makes its batches fit under the body
// limit; the body of a refused request is not read, so its sender is not
// known either.
const tooLargeRemedy = "make the sender send smaller batches " +
	"(AlertManager: max_alerts on the webhook_config, or group_by [alertname, function_name] on the route; " +
	"Grafana: Max Alerts on the webhook contact point, or group by function_name in the notification policy)"
