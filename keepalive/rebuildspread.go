package keepalive

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The shards select functions by one character of their names. By the last
// one alone, a fleet whose names share a suffix ("…-fn", "…-handler", a
// convention as common as any) was one shard holding every series: the
// 297 MiB restart the shards were made to prevent. So the rebuild asks
// Prometheus how the counter series spread over the characters at a
// position from the names' end (one instant, answered as a few dozen
// counts) and takes the first position, from the last, whose shards are
// near even.

// maxShardPosition is the farthest from a name's end the shards' character
// is looked for (0: the last character).
const maxShardPosition = 5

// shardSpreadLabel is the label ShardSpreadQuery copies the character to.
const shardSpreadLabel = "shard_char"

// ShardSpreadQuery counts the rebuild's counter series
// (RebuildQueryIn(defaultNamespace)) by the character at from the end of
// their function's name part (0: the last); a name too short, or not of
// one name and a namespace, is counted without the label.
func ShardSpreadQuery(at int, defaultNamespace string) string {
	return fmt.Sprintf(`count by (%s) (label_replace(%s, %q, "$1", "function_name", %q))`,
		shardSpreadLabel, RebuildQueryIn(defaultNamespace), shardSpreadLabel, charAt("([^.])", at))
}

// shardSpread is how the counter series spread over the characters at
// each position asked (counts[at]; nil: not answered), at one instant, ns
// qualifying a bare function_name (ShardSpreadQuery).
type shardSpread struct {
	q      RangeQuerier
	ns     string
	now    time.Time
	step   time.Duration
	counts map[int]map[string]float64
}

func newShardSpread(q RangeQuerier, now time.Time, step time.Duration, ns string) *shardSpread {
	return &shardSpread{q: q, ns: ns, now: now, step: step, counts: map[int]map[string]float64{}}
}

// spread is the series by character at position at, asked once.
func (s *shardSpread) spread(ctx context.Context, at int) map[string]float64 {
	if c, asked := s.counts[at]; asked {
		return c
	}
	var c map[string]float64
	if m, err := queryRange(ctx, s.q, ShardSpreadQuery(at, s.ns), s.now, s.now, s.step); err == nil {
		c = map[string]float64{}
		for _, series := range m {
			if len(series.Values) > 0 {
				c[string(series.Metric[shardSpreadLabel])] += float64(series.Values[len(series.Values)-1].Value)
			}
		}
	}
	s.counts[at] = c
	return c
}

// choose is size with the position its shards select by: the first from
// the names' end whose largest shard holds at most half as much again as
// an even share (or rebuildShardSeries), else the one whose largest shard
// is the smallest. Unanswered, or with no series, it stays the last
// character's.
func (s *shardSpread) choose(ctx context.Context, size partSize) partSize {
	if size.shards <= 1 {
		return size
	}
	best, bestLargest := 0, -1.0
	for at := 0; at <= maxShardPosition; at++ {
		c := s.spread(ctx, at)
		if c == nil {
			break
		}
		largest, total := largestShard(c, size.shards)
		if total == 0 {
			break
		}
		if bestLargest < 0 || largest < bestLargest {
			best, bestLargest = at, largest
		}
		if largest <= 1.5*max(total/float64(size.shards), float64(rebuildShardSeries)) {
			break
		}
	}
	size.at = best
	return size
}

// largestShard is the most series any of n shards holds under counts by
// character (shardSelector's assignment: a character outside the alphabet,
// or none, in shard 0), and the series in all.
func largestShard(counts map[string]float64, n int) (largest, total float64) {
	shards := make([]float64, n)
	for c, k := range counts {
		shards[shardOf(c, n)] += k
		total += k
	}
	for _, v := range shards {
		largest = max(largest, v)
	}
	return largest, total
}

// shardOf is the shard of n of a name whose character at the shards'
// position is c ("" when it has none).
func shardOf(c string, n int) int {
	if len(c) != 1 {
		return 0
	}
	return max(0, strings.IndexByte(shardAlphabet, c[0])) % n
}
