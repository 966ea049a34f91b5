// Package rules generates the Prometheus recording and alerting rules that drive
// scaling, and the AlertManager receiver snippet, as typed values rendered to
// YAML. It never evaluates rules.
package rules
