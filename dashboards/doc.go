// Package dashboards generates Grafana dashboards over the gateway's and the
// controller's metrics with grafana-foundation-sdk, rendered to JSON.
//
// Each panel is built by one function, dashboards and panels have fixed UIDs
// and IDs so regenerated JSON diffs cleanly, every query goes through the
// dashboard's `datasource` variable, and rates use $__rate_interval so they
// follow the data source's scrape interval.
package dashboards
