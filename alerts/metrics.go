package alerts

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Request results: the `result` label of faas_autoscaler_webhook_requests_total.
const (
	reqAccepted         = "accepted"           // 200: the batch was handed to the sink
	reqUnauthorized     = "unauthorized"       // 401
	reqBadRequest       = "bad_request"        // 400: undecodable body, or no usable alert in it
	reqTooLarge         = "too_large"          // 413
	reqMethodNotAllowed = "method_not_allowed" // 405
	reqUnavailable      = "unavailable"        // 503: retrying can help
	reqError            = "error"              // 500: the sink failed in another way
)

var requestResults = []string{reqAccepted, reqUnauthorized, reqBadRequest, reqTooLarge, reqMethodNotAllowed, reqUnavailable, reqError}

// Per-alert results: the `result` label of faas_autoscaler_webhook_alerts_total
// and the `result` field of each entry of the response body.
const (
	alertAccepted        = "accepted"         // handed to the sink
	alertDuplicate       = "duplicate"        // same fingerprint and status earlier in the batch
	alertInvalid         = "invalid"          // unusable: bad status, no or bad function_name, bad load
	alertUnknownFunction = "unknown_function" // the provider has no such function
	alertIgnored         = "ignored"          // nothing to act on: the scaler is off (scaler.ErrDisabled), or the alert carries no load (Grafana's DatasourceNoData/DatasourceError; missingData)
	alertUnavailable     = "unavailable"      // the sink cannot act now; a retry can help
	alertError           = "error"            // the sink failed in another way
)

var alertResults = []string{alertAccepted, alertDuplicate, alertInvalid, alertUnknownFunction, alertIgnored, alertUnavailable, alertError}

// Alert statuses as metric label values; anything else is "invalid" so a bad
// sender cannot blow up the label's cardinality.
var alertStatuses = []string{"firing", "resolved", "invalid"}

type metrics struct {
	requests     *prometheus.CounterVec
	alerts       *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	duration     prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faas_autoscaler_webhook_requests_total",
			Help: "Webhook requests (AlertManager or Grafana) by result (accepted, unauthorized, bad_request, too_large, method_not_allowed, unavailable, error).",
		}, []string{"result"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faas_autoscaler_webhook_alerts_total",
			Help: "Alerts received on the webhook by alert status and result (accepted, duplicate, invalid, unknown_function, ignored, unavailable, error).",
		}, []string{"status", "result"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faas_autoscaler_webhook_auth_failures_total",
			Help: "Webhook requests refused for their credentials, by reason (missing, wrong_scheme, wrong_credentials). A steady rate of wrong_credentials means the sender (AlertManager or Grafana) has a wrong password or token.",
		}, []string{"reason"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "faas_autoscaler_webhook_duration_seconds",
			Help: "Time to answer one webhook request, from its arrival to the response.",
			// 250µs … 4s: a batch normally takes well under a millisecond.
			Buckets: prometheus.ExponentialBuckets(0.00025, 4, 8),
		}),
	}
	cs := []prometheus.Collector{m.requests, m.alerts, m.authFailures, m.duration}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("alerts: register metrics: %w", err)
		}
	}
	// Initialise every series at zero so rate() and absent-vs-zero work from
	// the first scrape, before the first failure.
	for _, r := range requestResults {
		m.requests.WithLabelValues(r)
	}
	for _, s := range alertStatuses {
		for _, r := range alertResults {
			m.alerts.WithLabelValues(s, r)
		}
	}
	for _, r := range authReasons {
		m.authFailures.WithLabelValues(r)
	}
	return m, nil
}
