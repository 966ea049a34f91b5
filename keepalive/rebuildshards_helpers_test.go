package keepalive

import (
	"strings"
	"sync"

	"github.com/prometheus/common/model"
)

// counterShard tells whether q is the rebuild's counter query, whole
// (RebuildQuery) or shard i of n of it (partSize.query), and which
// function_name values it selects: what the fakes answer it with. The
// selection is worked out from the value's characters (shardIndex), not by
// the selectors' regular expressions, which TestRebuildInShardsFromRealPrometheus
// checks against Prometheus; the fakes ask for every series of every
// answer, and at 100,000 series (BenchmarkRebuildDay) a remembered answer a
// value was most of the live heap measured.
func counterShard(q string) (selects func(model.LabelValue) bool, n int, ok bool) {
	shardsMu.Lock()
	s, seen := shardQueries[q]
	if !seen {
		s = matchShard(q)
		shardQueries[q] = s
	}
	shardsMu.Unlock()
	if !s.ok {
		return nil, 0, false
	}
	if s.n == 1 {
		return func(model.LabelValue) bool { return true }, 1, true
	}
	return func(v model.LabelValue) bool { return shardIndex(string(v), s.n, s.at) == s.i }, s.n, true
}

// shardIndex is the shard of n that selects function_name v: the one of
// its name part's character at from its end (0: the last), or 0 for a
// value the others' expressions (charAt) do not match.
func shardIndex(v string, n, at int) int {
	return shardOf(charFromEnd(v, at), n)
}

// charFromEnd is function_name v's name part's character at from its end
// (0: the last), or "" for a name too short or not of one name and a
// namespace: what ShardSpreadQuery's label_replace copies.
func charFromEnd(v string, at int) string {
	name, _, _ := strings.Cut(v, ".")
	if len(name) <= at || strings.Count(v, ".") > 1 {
		return ""
	}
	return name[len(name)-1-at : len(name)-at]
}

type shardQuery struct {
	ok       bool
	n, i, at int
}

var (
	shardsMu     sync.Mutex
	shardQueries = map[string]shardQuery{}
)

func matchShard(q string) shardQuery {
	if q == RebuildQuery() {
		return shardQuery{ok: true, n: 1}
	}
	for at := 0; at <= maxShardPosition; at++ {
		for n := 2; n <= maxShards; n++ {
			size := partSize{shards: n, at: at}
			for i := range n {
				if q == size.query(i, "openfaas-fn") {
					return shardQuery{ok: true, n: n, i: i, at: at}
				}
			}
		}
	}
	return shardQuery{}
}

// isCounterQuery: q is the rebuild's counter query, whole or a shard.
func isCounterQuery(q string) bool {
	_, _, ok := counterShard(q)
	return ok
}

// spreadAnswer is ShardSpreadQuery's answer at t for the series counted by
// their character (by; "" for those without one, under no label).
func spreadAnswer(by map[string]float64, t model.Time) model.Matrix {
	m := model.Matrix{}
	for c, n := range by {
		metric := model.Metric{}
		if c != "" {
			metric[shardSpreadLabel] = model.LabelValue(c)
		}
		m = append(m, &model.SampleStream{Metric: metric, Values: []model.SamplePair{{Timestamp: t, Value: model.SampleValue(n)}}})
	}
	return m
}
