package embedded

import "slices"

// A function's counters fall back from the started counter to the
// invocation counter per gateway replica, not per function: a page merging
// several replicas' /metrics (an instance or pod label each) during a
// rolling upgrade has replicas of a version with
// gateway_function_invocation_started beside older ones without it. Decided
// per function, the calls the older replicas count only in their
// invocation counter were dropped once any replica had the started
// counter: the function read idle under their traffic while its rps read
// the calls (a review's finding). The Prometheus source's queries fall
// back per qualified function name and instance as well
// (promql.StartedPerGateway, which the keep-alive's counter reads use too:
// promql.StartedCountersMatching).
//
// A group here is the series' other labels (seriesKey.inst) within the
// function, not its raw function_name too: the bare and qualified names
// are one function's ("long" started, "long.openfaas-fn" total), and read
// apart, the qualified name's invocation counter fell back to count calls
// the bare name's started counter had counted already (the Prometheus
// source's in-flight read sums each counter per function for the same
// reason, countersQuery).

// replicaGroups is what is kept of a function's groups once its series
// have another label than function_name and code (function.groups: nil for
// a single gateway's page, most functions, which pay nothing for it).
type replicaGroups struct {
	// fallback: the groups with the invocation counter that never had a
	// started counter while the function has one elsewhere; withStarted:
	// the groups that have had it.
	fallback, withStarted []string
	// d is the increase of the fallback groups' invocation counters since
	// the previous scrape (sweep's, for arrivals).
	d float64
}

// regroup sets fn.groups anew from fn's series (see replicaGroups). Once a
// group has had the started counter it reads that alone for as long as it
// has counters, as a function did before: its invocation counter may have
// been cut to its latest point meanwhile (keepStartedTotal), and a started
// counter gone alone is the function's to vanish by, not its invocation
// counter's to stand in for. Without the started counter anywhere every
// group falls back, which startedIn reads without the list. Called by
// sweep when a counter series was made or dropped (groupsDirty), so reads
// find it current. A function's groups are its gateway replicas, a few,
// though its series may be thousands (codes × replicas): lists, not maps.
func (fn *function) regroup() {
	fn.groupsDirty = false
	had := fn.fallsBackAny()
	plain := true // every counter series of one gateway's page (no other label)
	for i := range fn.series {
		if s := &fn.series[i]; s.key.kind == kindStarted || s.key.kind == kindTotal {
			plain = plain && s.key.inst == ""
			fn.startedPlain = fn.startedPlain || s.key.kind == kindStarted && s.key.inst == ""
		}
	}
	if plain && fn.groups == nil || !fn.hasStarted {
		fn.groups = nil
	} else {
		if fn.groups == nil {
			fn.groups = &replicaGroups{}
		}
		gs := fn.groups
		gs.fallback = gs.fallback[:0]
		if fn.startedPlain && !slices.Contains(gs.withStarted, "") {
			gs.withStarted = append(gs.withStarted, "")
		}
		for i := range fn.series {
			if s := &fn.series[i]; s.key.kind == kindStarted && !slices.Contains(gs.withStarted, s.key.inst) {
				gs.withStarted = append(gs.withStarted, s.key.inst)
			}
		}
		// Forget the groups with no counter left (a replica gone): a pod
		// label is new at every rollout.
		gs.withStarted = slices.DeleteFunc(gs.withStarted, func(g string) bool { return !fn.hasCounterOf(g) })
		fn.startedPlain = slices.Contains(gs.withStarted, "")
		for i := range fn.series {
			s := &fn.series[i]
			if s.key.kind == kindTotal && !slices.Contains(gs.withStarted, s.key.inst) && !slices.Contains(gs.fallback, s.key.inst) {
				gs.fallback = append(gs.fallback, s.key.inst)
			}
		}
	}
	if had != fn.fallsBackAny() {
		// keepOf changed for its invocation counters: a keep that shrank
		// would leave the function settled past its cut.
		fn.minDrop = 0
	}
}

// fallsBackAny: some group of fn falls back (see replicaGroups).
func (fn *function) fallsBackAny() bool { return fn.groups != nil && len(fn.groups.fallback) > 0 }

// dFallback is the fallback groups' increase since the previous scrape.
func (fn *function) dFallback() float64 {
	if fn.groups == nil {
		return 0
	}
	return fn.groups.d
}

// hasCounterOf: fn has a started or invocation counter series of group g.
func (fn *function) hasCounterOf(g string) bool {
	for i := range fn.series {
		if s := &fn.series[i]; (s.key.kind == kindStarted || s.key.kind == kindTotal) && s.key.inst == g {
			return true
		}
	}
	return false
}

// fallsBack: s is an invocation counter whose group has no started counter
// while fn has one elsewhere: its calls are counted as started.
func (fn *function) fallsBack(s *series) bool {
	if !fn.fallsBackAny() || s.key.kind != kindTotal {
		return false
	}
	return slices.Contains(fn.groups.fallback, s.key.inst)
}

// trimsTotal: fn's invocation counters are read by rps loads alone (it has
// the started counter in every group), so they may keep their latest point
// alone (keepStartedTotal).
func (fn *function) trimsTotal() bool { return fn.hasStarted && !fn.fallsBackAny() }

// fallbackIncrease is the increase over (from, to] of fn's invocation
// counters of groups without a started counter.
func (fn *function) fallbackIncrease(from, to int64) float64 {
	var sum float64
	for i := range fn.series {
		if s := &fn.series[i]; fn.fallsBack(s) {
			inc, _ := s.increase(from, to)
			sum += inc
		}
	}
	return sum
}
