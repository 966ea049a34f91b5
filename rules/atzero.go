package rules

import (
	"fmt"
	"slices"
	"strings"
)

// atZeroLoad is the load FunctionAtZeroWithLoad reads: only load that can
// have arrived while the function is at zero, one series per function and
// type.
//
// The window's records hold the load from before an idle for a window after
// it, and the alert, comparing them, fired right after idles: an rps
// function idled at the first idler cycle after its call (a zero_now plan of
// the adaptive keep-alive, or a zero-duration under the window) fired on the
// calls that came before it, and every cpu function fired on its removed
// pod's CPU. The controller drops a wake on such an alert since it reads its
// load as a window old (scaler/wake.go), but AlertManager still showed and
// sent an alert for nothing. So, per type:
//   - rps: the rate over the last scrape interval (the irate record), calls
//     that completed, or failed, since the previous scrape;
//   - capacity: the concurrency peak over the last scrape interval (the
//     in-flight gauge, or what the last interval's arrivals bring), where
//     the record holds the window's peak;
//   - cpu: none. A function at zero has no pod and no CPU; CPU seen then is
//     the removed pod's (its last rate counts for CPUFreshBound after its
//     last sample, the window's for the window). A pod started at zero by
//     the gateway's scale from zero is seen by the controller's next pass;
//   - queue and custom types: their records are levels read now (a backlog,
//     a custom gauge), as they were.
func atZeroLoad(o Options) string {
	var parts []string
	var skip []string
	for _, typ := range o.Types {
		switch typ {
		case TypeRPS:
			parts = append(parts, withType(builtinLoad(o, typ).Fresh, typ))
		case TypeCapacity:
			parts = append(parts, withType(builtinLoad(o, typ).Last, typ))
		case TypeCPU:
		default:
			continue
		}
		skip = append(skip, typ)
	}
	rest := loadByFn
	if len(skip) > 0 {
		slices.Sort(skip)
		rest = loadAvg(fmt.Sprintf("%s{scaling_type!~%q}", CurrentLoadRecord, strings.Join(skip, "|")))
	}
	return strings.Join(append(parts, rest), "\nor ")
}

// withType labels a per-function expression with its scaling type, as
// CurrentLoadRecord's series are.
func withType(expr, typ string) string {
	return fmt.Sprintf(`label_replace(%s, "scaling_type", %q, "", "")`, expr, typ)
}
