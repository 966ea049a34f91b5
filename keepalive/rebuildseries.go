package keepalive

import (
	"cmp"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// seriesKey tells one counter series from another across the parts by
// the labels RebuildQuery's series carry, function_name and instance (a
// series without an instance has it ""), rather than by the whole label
// map the series came with: the state of every series at 100,000
// functions held the first part's labels, tens of MB through the whole
// rebuild, and fingerprinting every series' labels at every part was a
// third of its CPU (BenchmarkRebuildDay). A series with other labels, or
// with an empty function_name or instance, is odd: its key is its whole
// label set written out (fn), and its function_name (instance), so series
// that differ only there stay apart, as they did.
type seriesKey struct {
	fn, instance string
	odd          bool
}

// seriesKeyOf is metric's seriesKey.
func seriesKeyOf(metric model.Metric) seriesKey {
	fn, hasFn := metric["function_name"]
	in, hasIn := metric["instance"]
	switch {
	case fn == "" || hasIn && in == "":
	case len(metric) == 2 && hasIn, len(metric) == 1 && hasFn:
		return seriesKey{fn: string(fn), instance: string(in)}
	}
	return seriesKey{fn: model.LabelSet(metric).String(), instance: string(fn), odd: true}
}

// name is the series' function_name.
func (k seriesKey) name() string {
	if k.odd {
		return k.instance
	}
	return k.fn
}

func compareSeriesKeys(a, b seriesKey) int {
	return cmp.Or(strings.Compare(a.fn, b.fn), strings.Compare(a.instance, b.instance), compareBools(a.odd, b.odd))
}

func compareBools(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func compareRefs(a, b provider.Ref) int {
	return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Name, b.Name))
}

// seriesState is what one counter series' earlier steps leave for its
// later ones (seriesCounts): its last value, its step (lastAt: how many
// steps it was missing from when back), whether it had one, its
// gateway's process start time at that value's step and whether that was
// known (a part's start times are dropped with it: the state carries the
// one its last value needs), and whether its function_name parses (ok).
// fn is the state of its function's first series, which holds what is
// the function's (learned, part, pos, scattered; its ref is its name's).
// 96 bytes, kept for every series through the whole rebuild.
type seriesState struct {
	key       seriesKey
	fn        *seriesState
	last      float64
	lastAt    model.Time
	started   float64
	ok        bool
	seen      bool
	startedOK bool
	// learned: the function had an invocation in the lookback.
	learned bool
	// in and at are the last part the series was in and its place in
	// that part's answer (state).
	in, at int32
	// part and pos are the part the function's series were last found
	// in and the place of the last of them in its answer; scattered is
	// the last part in which they were not next to one another (learn).
	part, pos, scattered int32
}

// ref is the function of the series, whose name parses (ok).
func (r *rebuilder) ref(st *seriesState) provider.Ref {
	ref, _ := provider.ParseRef(st.key.name(), r.defaultNamespace)
	return ref
}

// state is the series' state, made at its first part. The answers of the
// parts list the series in one order (Prometheus', by their labels), so
// the state looked for first is the one after the last found in the part
// before's order (order, at next); the index of every series' state is
// read only when that is not it (the series is new, or gone from the part
// before, or the order is another): a map of them read for every series
// of every part was a quarter of the rebuild's CPU at 100,000 functions.
func (r *rebuilder) state(metric model.Metric) *seriesState {
	key := seriesKeyOf(metric)
	if r.next < len(r.order) {
		if st := r.order[r.next]; st.key == key {
			r.next++
			return st
		}
	}
	if st, ok := r.series.find(key); ok {
		if st.in == r.before {
			r.next = int(st.at) + 1
		}
		return st
	}
	if !key.odd { // one copy of each instance's name, which its series share
		shared, ok := r.instances[key.instance]
		if !ok {
			shared = key.instance
			r.instances[shared] = shared
		}
		key.instance = shared
	}
	st := &seriesState{key: key, in: -1}
	name := key.name()
	ref, err := provider.ParseRef(name, r.defaultNamespace)
	if err != nil {
		if !r.skipped[name] { // one name, a series for each gateway instance
			r.skipped[name] = true
			r.rep.Skipped = append(r.rep.Skipped, name)
		}
	} else {
		st.ok = true
		fn, ok := r.functions.find(ref)
		if !ok {
			fn = st
			r.functions.add(st)
		}
		st.fn = fn
	}
	r.series.add(st)
	return st
}

// find finds the state of each series of m, a part's answer, in the
// order of the answer (order), and notes which functions' series are
// apart in it (seriesState.scattered).
func (r *rebuilder) find(m model.Matrix, shard int) {
	r.part++
	part := r.part
	for len(r.shards) <= shard {
		r.shards = append(r.shards, shardOrder{})
	}
	// The order of this shard's last answer (a part read whole is one
	// shard): Prometheus lists its series in the same order each time.
	sh := &r.shards[shard]
	r.order, r.before = sh.order, sh.part
	r.next = 0
	sts := sh.spare[:0]
	for i, s := range m {
		st := r.state(s.Metric)
		st.in, st.at = part, int32(i)
		sts = append(sts, st)
		if !st.ok {
			continue
		}
		if fn := st.fn; fn.part == part && int(fn.pos) != i-1 {
			fn.scattered = part
		}
		st.fn.part, st.fn.pos = part, int32(i)
	}
	sh.spare, sh.order, sh.part = sh.order, sts, part
	r.order = sts
	r.series.settle()
	r.functions.settle()
}

// instance is the gateway instance of m's i-th series (found).
func (r *rebuilder) instance(m model.Matrix, i int) string {
	if k := r.order[i].key; !k.odd {
		return k.instance
	}
	return string(m[i].Metric["instance"])
}

// learn feeds one part of the lookback (every series' values at its steps,
// and its gateway instances' start times at them; its series found) to
// the policy, each function's steps in time order, its series' counts of
// a step summed. Each function's idle times are its own, so the order of
// functions does not matter (but under a budget of idle times, which
// histories grow past their share: learn goes in the answer's order, so a
// rebuild is made again the same), and the parts come in time order.
//
// Prometheus answers the series in the order of their labels, a
// function's series (one a gateway instance) one after another: each such
// run is differenced and learned on its own, where a map of every
// function's counts was made at every part (at 100,000 functions, a map of
// 100,000 made 289 times). A function whose series are apart (two names
// of one function, an answer in another order) is learned after the runs.
func (r *rebuilder) learn(m model.Matrix, starts startTimes) {
	sts, part := r.order, r.part
	var scattered map[*seriesState][]stepCount
	var order []*seriesState // scattered's functions, as first found
	// A fleet's series name a few instances, one after another.
	var in string
	var inStarts []model.SamplePair
	var g *gatewaySteps // in's
	gone := func(t model.Time) bool { return r.gone(in, g, t) }
	counts := func(dst []stepCount, i int) []stepCount {
		if next := r.instance(m, i); g == nil || next != in {
			in, inStarts, g = next, starts[next], r.gateway(next)
		}
		st := sts[i]
		dst = seriesCounts(dst, st, inTimeOrder(m[i].Values), r.baselineEnd, r.step, inStarts, gone)
		g.inPart = max(g.inPart, st.lastAt) // an earlier part's at most: noted there
		return dst
	}
	for i := 0; i < len(m); {
		fn := sts[i].fn
		if !sts[i].ok {
			i++
			continue
		}
		if fn.scattered == part {
			if scattered == nil {
				scattered = map[*seriesState][]stepCount{}
			}
			if _, ok := scattered[fn]; !ok {
				order = append(order, fn)
			}
			scattered[fn] = counts(scattered[fn], i)
			i++
			continue
		}
		cs := r.counts[:0]
		for ; i < len(m) && sts[i].ok && sts[i].fn == fn; i++ {
			cs = counts(cs, i)
		}
		r.counts = cs
		r.observe(fn, cs)
	}
	for _, fn := range order {
		r.observe(fn, scattered[fn])
	}
}

// observe feeds one function's counts of a part (from all its series) to
// the policy (observeSteps).
func (r *rebuilder) observe(fn *seriesState, cs []stepCount) {
	if len(cs) > 0 {
		fn.learned = true
		r.rep.Invocations += r.p.observeSteps(r.ref(fn), cs, r.step, r.handoverAfter)
	}
}

// learnedFunctions counts the functions with an invocation.
func (r *rebuilder) learnedFunctions() int {
	n := 0
	for _, fn := range r.functions.all() {
		if fn.learned {
			n++
		}
	}
	return n
}
