package rules

import (
	"fmt"
	"slices"
)

// queuedAtZero is FunctionAtZeroWithLoad for queued work of a function
// whose scaling type is not queue: asynchronous requests wait for it at
// zero, where they raise no rps, no in-flight and no CPU, so its own type's
// alert never fires and the messages would wait for ever (faas#1131). It
// fires on a backlog of at least one message, labelled scaling_type="queue"
// so the controller wakes the function to its minimum without reading the
// message count as its own type's load. Queue-type functions are left to the
// generic rule. Only generated when the queue type is selected (its record
// exists).
func queuedAtZero(o Options) (Rule, bool) {
	if !slices.Contains(o.Types, TypeQueue) {
		return Rule{}, false
	}
	backlog := builtinLoad(o, TypeQueue).Record
	return Rule{
		Alert: AlertAtZeroWithLoad,
		Expr: fmt.Sprintf(`label_replace(%s >= 1, "scaling_type", "%s", "", "")
and on (function_name) (%s == 0)
and on (function_name) (%s > 0)
unless on (function_name) max by (function_name) (%s{scaling_type="%s"})`,
			backlog, TypeQueue, replicasByFn, maxByFn, metricTargetLoad, TypeQueue),
		For: Dur(0),
		// trigger tells this rule from the generic one (promtool rejects two
		// rules of one name with the same labels).
		Labels: map[string]string{RouteLabel: RouteValue, "direction": "up", "trigger": "queued"},
		Annotations: map[string]string{
			LoadAnnotation: "{{ $value }}",
			"summary":      `{{ $labels.function_name }} is at zero replicas with {{ $value }} queued message(s)`,
		},
	}, true
}
