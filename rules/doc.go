// Package rules generates the Prometheus recording and alerting rules that drive
// scaling, and the AlertManager receiver snippet, as typed values rendered to
// YAML. It never evaluates rules.
//
// Recording rules turn the gateway's counters and gauges into one load series
// per function and scaling type, named by the level:metric:operations
// convention, and re-publish them under OpenFaaS Pro's
// job:function_current_load:sum{scaling_type} so existing custom rules keep
// working. Alerting rules compare that load with the per-replica target and the
// replica counts the controller exports on its own /metrics, so AlertManager
// wakes the controller as soon as Prometheus sees a function leave its band.
// The controller still decides from fresh data; an alert only makes it look
// sooner.
package rules
