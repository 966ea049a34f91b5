package promql

import (
	"fmt"
	"strings"
)

// A successful answer of a Prometheus-compatible server can lack series and
// say so only in its warnings: Thanos Querier's partial response ("receive
// series from Addr: …", "No StoreAPIs matched for this query"), a failed
// remote read. The same field carries PromQL's annotations, notes on how a
// query met the data it did read ("PromQL info: metric might not be a
// counter …" on every query of the started counter on Prometheus 2.x,
// "PromQL warning: …"), which say nothing is missing. The metrics source
// and the keep-alive's rebuild apply the same rule to them.

// Prefixes of PromQL's annotations (Prometheus util/annotations: each
// message starts with one and ": ").
const (
	annotationInfo    = "PromQL info:"
	annotationWarning = "PromQL warning:"
)

// IsAnnotation says whether a warning is PromQL's note on the query rather
// than a word about missing data. Anything else counts as missing data,
// also Prometheus' "N more warning annotations omitted" (its list is cut at
// 10, and what was cut is not said).
func IsAnnotation(w string) bool {
	return strings.HasPrefix(w, annotationInfo) || strings.HasPrefix(w, annotationWarning)
}

// PartialWarning says why an answer may lack series: the first of its
// warnings that is not an annotation, and how many more such there are
// ("" when the warnings say nothing is missing).
func PartialWarning(warnings []string) string {
	var first string
	more := 0
	for _, w := range warnings {
		switch {
		case IsAnnotation(w):
		case first == "":
			first = w
		default:
			more++
		}
	}
	if more > 0 {
		return fmt.Sprintf("%s (and %d more warnings)", first, more)
	}
	return first
}
