package promql

import "strings"

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

// PartialWarning is the first of warnings that is not an annotation, and
// how many more such there are ("" and 0 when the answer is complete as
// far as its warnings say).
func PartialWarning(warnings []string) (first string, more int) {
	for _, w := range warnings {
		switch {
		case IsAnnotation(w):
		case first == "":
			first = w
		default:
			more++
		}
	}
	return first, more
}
