// Package dashboards generates Grafana dashboards over the gateway's and the
// controller's metrics with grafana-foundation-sdk, rendered to JSON.
package dashboards
