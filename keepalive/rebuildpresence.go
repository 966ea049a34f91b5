package keepalive

import (
	"time"

	"github.com/prometheus/common/model"
)

// A counter series first seen when its gateway instance is back after
// missing from rebuildLateSteps steps or more (not scraped: none of its
// counters nor its start time had a value) was made in that span: a
// function first called through the gateway meanwhile, or the series of
// a process restarted meanwhile. Its calls were made anywhere in the span,
// and the feeder counts them late (metricsource.Total.GatewaySeen, from
// when its source last read the instance). Counted on time, the rebuild
// learned an idle time ending at the step the gateway was back in, which
// nobody saw, where the feeder reading the same history learned none
// (review 53F). So the rebuild keeps, per gateway instance, when it last
// had a value, as a held series keeps its own (seriesState.lastAt).

// gatewaySteps is what the rebuild knows of when one gateway instance had
// a value: one of its counter series' or its start time.
type gatewaySteps struct {
	// before is its last step with a value in the parts before part (all
	// their shards), inPart in part's shards learned so far (0: none).
	before, inPart model.Time
	part           model.Time
}

// shardSteps is the part of the lookback being learned, and which of its
// steps each gateway instance had a value at in the shard being learned
// (made when first asked for: gone).
type shardSteps struct {
	from   model.Time // its first step
	n      int        // its steps
	shards int        // the shards each part is read in
	m      model.Matrix
	starts startTimes
	bits   map[string][]uint64 // nil: not made for this shard yet
}

// beginShard makes the shard m of the part from start to end (its
// gateways' start times starts) the one gone asks about.
func (r *rebuilder) beginShard(m model.Matrix, starts startTimes, start, end time.Time, shards int) {
	r.cur = shardSteps{from: model.TimeFromUnixNano(start.UnixNano()), n: int(end.Sub(start)/r.step) + 1,
		shards: shards, m: m, starts: starts}
}

// gateway is instance's gatewaySteps, what it had in the parts before the
// current one gathered in before.
func (r *rebuilder) gateway(instance string) *gatewaySteps {
	g, ok := r.gateways[instance]
	if !ok {
		g = &gatewaySteps{}
		r.gateways[instance] = g
	}
	if g.part != r.cur.from {
		g.before, g.inPart, g.part = max(g.before, g.inPart), 0, r.cur.from
	}
	return g
}

// endShard notes the last steps with a value of the shard's gateway
// instances' start times in their gatewaySteps (their counters' are noted
// as they are learned: learn), and lets go of the shard's answer: held
// while the next part is read and decoded, two parts' answers were live at
// once (a third more peak heap, BenchmarkRebuildDay).
func (r *rebuilder) endShard() {
	for in, pts := range r.cur.starts {
		if len(pts) > 0 {
			g := r.gateway(in)
			g.inPart = max(g.inPart, pts[len(pts)-1].Timestamp)
		}
	}
	r.cur.m, r.cur.starts, r.cur.bits = nil, nil, nil
}

// gone says whether instance (its gatewaySteps g) had no value at the
// rebuildLateSteps steps or more just before t, and had one before them:
// a series first seen at t was made in that span (above). Where that is
// not known it says no, as before gateways were followed: an instance
// never seen before t (a gateway new in the lookback: its first calls are
// the step's), none (a series without one), or a part read in shards
// without the instance's start times, whose other counters may be in
// another shard.
func (r *rebuilder) gone(instance string, g *gatewaySteps, t model.Time) bool {
	if instance == "" || r.cur.shards > 1 && len(r.cur.starts[instance]) == 0 {
		return false
	}
	last := g.before
	bits := r.stepBits()[instance]
	step := r.step.Milliseconds()
	for k := min(r.cur.stepOf(t, step), r.cur.n) - 1; k >= 0 && len(bits) > 0; k-- {
		if bits[k/64]&(1<<(k%64)) != 0 {
			last = r.cur.from + model.Time(int64(k)*step)
			break
		}
	}
	return last != 0 && missedSteps(last, t, r.step) >= rebuildLateSteps
}

// stepOf is the index of the part's step at t (Prometheus' steps are to
// the millisecond: rounded).
func (p *shardSteps) stepOf(t model.Time, step int64) int {
	return int((int64(t-p.from) + step/2) / step)
}

// stepBits is, per gateway instance of the shard, a bit for each step of
// the part at which it had a value, made at the first call for the shard:
// only a series first seen within the lookback asks (a rare one), and
// marking every point of every series costs a pass over the answer. An
// instance whose steps are all marked is skipped (a busy gateway's first
// series mark them).
func (r *rebuilder) stepBits() map[string][]uint64 {
	p := &r.cur
	if p.bits != nil {
		return p.bits
	}
	p.bits = make(map[string][]uint64)
	full := make(map[string]int)
	step := r.step.Milliseconds()
	mark := func(in string, pts []model.SamplePair) {
		if in == "" || full[in] == p.n {
			return
		}
		b, ok := p.bits[in]
		if !ok {
			b = make([]uint64, (p.n+63)/64)
			p.bits[in] = b
		}
		for _, pt := range pts {
			if k := p.stepOf(pt.Timestamp, step); k >= 0 && k < p.n && b[k/64]&(1<<(k%64)) == 0 {
				b[k/64] |= 1 << (k % 64)
				full[in]++
			}
		}
	}
	for in, pts := range p.starts {
		mark(in, pts)
	}
	for i, s := range p.m {
		mark(r.instance(p.m, i), s.Values)
	}
	return p.bits
}
