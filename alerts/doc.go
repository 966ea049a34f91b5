// Package alerts is the AlertManager webhook receiver (`POST /system/alert`,
// webhook payload version 4, and Grafana-managed alerting's webhook contact
// point, version 1): authentication, the body limit, decoding and
// validation, and the mapping of each alert to a scaler.Signal handed to a
// Sink (the scaler's reconcile loop). It never computes replicas.
//
// # Payload
//
// The body is AlertManager's webhook message: template.Data (from
// github.com/prometheus/alertmanager/template, never notify/webhook, which is
// heavy) plus version, groupKey and truncatedAlerts. Unknown fields are
// ignored; version must be "4" or absent (absent is read as "4": real
// AlertManagers always send it, hand-written payloads often do not), or "1":
// Grafana's webhook body is AlertManager's with fields of its own (orgId,
// title, state, message; values, valueString and URLs per alert), which are
// ignored. From each alert the package reads:
//   - status: "firing" or "resolved" (anything else is that alert's error);
//   - labels.function_name: "name.namespace", split at the last dot; without
//     a dot, Config.DefaultNamespace. Both parts must be [-a-zA-Z0-9_.];
//   - labels.alertname: passed on as is. Any alert name maps to a signal, so
//     OpenFaaS CE's APIHighInvocationRate keeps working;
//   - annotations.load (LoadAnnotation): the load the rule observed, a plain
//     float as `{{ $value }}` renders it; optional, but when present it must be
//     a finite number ≥ 0;
//   - fingerprint: passed on; when empty, derived from the sorted labels with
//     the same hash AlertManager uses, so both agree;
//   - startsAt.
//
// An alert that says its rule had no data never becomes a signal, firing or
// resolved (missing data is not load): Grafana's DatasourceNoData and
// DatasourceError alerts, and alerts whose grafana_state_reason annotation
// holds NoData or Error (or MissingSeries on a firing alert), in any payload
// version. They are answered "ignored", with the alert name or reason. A
// resolution for MissingSeries alone (the series left the query's result:
// every resolution of a rule with its threshold in the query) is handed on
// as a resolution without a load, marked scaler.Signal.NoSeries: step mode
// comes down on nothing else.
//
// # Answers
//
// 405 (with Allow: POST) for other methods; 401 with WWW-Authenticate
// challenges for bad credentials (after wrong ones, Config.Secrets is read
// again, at most every SecretsRecheck, so a rotated secret is accepted
// without a restart); 413 above Config.MaxBody (logged, with how to make
// AlertManager's or Grafana's batches fit, or which setting raises the limit,
// Config.MaxBodySetting: neither retries a 413); 400 for a body
// that is not a webhook payload or whose alerts are all unusable (an alert
// of the wrong JSON shape, such as a label value that is a number, is that
// alert's error, named by field, not the batch's); 503 with
// Retry-After when any alert failed only because the sink is unavailable (a
// retry can cure it, whatever else the batch holds: AlertManager retries,
// Grafana does not, and the periodic evaluation acts either way), and when
// the body did not arrive whole (a read timeout or an early end: nothing
// was judged); 500 when nothing was accepted and the sink failed otherwise;
// else 200. Every answer has a JSON body (Response) with one result per alert;
// one bad alert never blocks the others. Duplicates inside a batch (same
// fingerprint and status) are handed on once, and a copy of one that was
// not taken has its result; across requests the scaler recognises them by
// fingerprint. AlertManager sends a notification answered 5xx again, whole,
// until one is answered 2xx: its alerts come back with Signal.RetryOf, when
// each was first received in it (retries.go), so step mode steps once per
// notification however long the retries go on, an HA peer's copy delivered
// within peerGrace (20 s) of the first 2xx included.
//
// # Metrics
//
// faas_autoscaler_webhook_requests_total{result},
// faas_autoscaler_webhook_alerts_total{status,result},
// faas_autoscaler_webhook_auth_failures_total{reason} (a steady rate of
// reason="wrong_credentials" means the sender, AlertManager or Grafana, holds
// a wrong password) and
// the faas_autoscaler_webhook_duration_seconds histogram, all on the
// Registerer of the Config.
//
// # Logs
//
// Warnings a storm of notifications repeats on every request (refused
// credentials, "scaler unavailable", "truncated the batch", alerts without
// data) are logged the first time at once, then at most once per interval
// with suppressed_since_last, the count held back; the metrics count all.
// Those about a batch name its sender (sender=AlertManager or Grafana, from
// the payload's version, and receiver, the receiver or contact point) and
// that sender's remedy.
package alerts
