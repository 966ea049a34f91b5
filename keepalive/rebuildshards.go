package keepalive

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// A part of the rebuild holds every counter series of its steps, and at
// 100,000 functions what it holds is their labels, not their points: a
// part's decoded answer is 51 MB whatever its steps (BenchmarkRebuildDay),
// and the feeder's read of the same series at one instant about as much.
// At a restart that rebuild's answer came on top of what the new process
// builds meanwhile, and its memory peaked at 297 MiB, over the chart's
// 256 MiB limit (session 39's footprint run with a restart). So a part of
// a fleet over rebuildShardSeries series is read in shards, each the
// functions whose name ends in one of a set of characters, each learned
// and dropped before the next is asked for.

// rebuildShardSeries is the most series one shard of a part is planned to
// hold: about 10 MB decoded, and a share of the part's points.
var rebuildShardSeries = 20_000

// shardAlphabet is the characters a function's name ends in (a DNS-1123
// label, as OpenFaaS requires); a name that ends in another is in shard 0,
// whose selector is the others' complement, so that every series is in
// exactly one shard.
const shardAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// maxShards keeps three characters a shard at least.
const maxShards = len(shardAlphabet) / 3

// partSize is how a rebuild's parts are read: chunk steps each, in shards
// of its functions by the character at from the end of their names
// (shardSpread; 0 is the last), sized for series counted (known).
type partSize struct {
	chunk, shards int
	at            int
	series        float64
	known         bool
}

// sizeFor is the part size for series counted (known) of steps in all: as
// many steps as keep the part within rebuildMaxPoints, and shards of at
// most rebuildShardSeries series each (as few as make it so; they are
// uneven, names end in some characters more than others). The steps are
// not widened by the shards: what a part costs Prometheus is its steps
// times every series, so the newest part, which RebuildWithin must read
// within its bound whatever else it reads, stays as cheap (five steps at
// 100,000 functions, about 3.5 s on two cores with a day held), and each
// shard holds a share of its points. Unknown, an hour's steps in one shard.
func sizeFor(series float64, known bool, steps int) partSize {
	if !known {
		return partSize{chunk: max(1, min(rebuildDefaultChunk, steps)), shards: 1}
	}
	shards := int(min(float64(maxShards), math.Max(1, math.Ceil(series/float64(rebuildShardSeries)))))
	return partSize{chunk: chunkFor(series, steps), shards: shards, series: series, known: true}
}

// larger is the size for the most series of a and b, each known.
func (a partSize) larger(b partSize, steps int) partSize {
	if !b.known || a.known && a.series >= b.series {
		return a
	}
	return sizeFor(b.series, true, steps)
}

// query is the counter query of shard i of the part, ns qualifying a bare
// function_name (RebuildQueryIn).
func (z partSize) query(i int, ns string) string { return RebuildShardQueryIn(i, z.shards, z.at, ns) }

// RebuildShardQueryIn is RebuildQueryIn(defaultNamespace) over shard i of
// n of the functions by the character at from the end of their names
// (shardSelector), or RebuildQueryIn itself when n is 1. Both names of a
// function are in one shard, so its started counter under one still hides
// its invocation counter under the other there.
func RebuildShardQueryIn(i, n, at int, defaultNamespace string) string {
	if n <= 1 {
		return RebuildQueryIn(defaultNamespace)
	}
	return promql.StartedCountersMatching(shardSelector(i, n, at), defaultNamespace)
}

// RebuildShardQuery is RebuildShardQueryIn of openfaas-fn (RebuildQuery).
func RebuildShardQuery(i, n, at int) string { return RebuildShardQueryIn(i, n, at, openfaasNamespace) }

// shardSelector selects the series of shard i of n: those whose function's
// name (function_name before its ".namespace", if any) has, at from its end
// (0: the last character), one of the characters of shardAlphabet at i,
// i+n, i+2n, …; shard 0 selects every series no other shard does (a name
// too short among them). Both names of one function ("fn" and
// "fn.openfaas-fn") are in the same shard, so its series are learned
// together.
func shardSelector(i, n, at int) string {
	if i > 0 {
		return `{function_name=~"` + charAt("["+charsOf(i, n)+"]", at) + `"}`
	}
	var others strings.Builder
	for j := 1; j < n; j++ {
		others.WriteString(charsOf(j, n))
	}
	return `{function_name!~"` + charAt("["+others.String()+"]", at) + `"}`
}

// charsOf is shard i of n's characters.
func charsOf(i, n int) string {
	var b strings.Builder
	for k := i; k < len(shardAlphabet); k += n {
		b.WriteByte(shardAlphabet[k])
	}
	return b.String()
}

// charAt is a regular expression (anchored, as PromQL's are) of the
// function_name values whose name part has a character class matches at
// from its end (0: the last character).
func charAt(class string, at int) string {
	after := ""
	if at > 0 {
		after = fmt.Sprintf("[^.]{%d}", at)
	}
	return "[^.]*" + class + after + "([.][^.]*)?"
}

// firstCounted is the first step from start to end at which any of the
// rebuild's counter series has a value (found), asked whole of Prometheus
// (RebuildSeriesQueryIn, one series), and whether it answered (known). A
// part read in shards cannot tell it from its first shard, whose
// functions may have been first called later.
func firstCounted(ctx context.Context, q RangeQuerier, ns string, start, end time.Time, step time.Duration) (first model.Time, found, known bool) {
	m, ok := seriesCounted(ctx, q, ns, start, end, step)
	if !ok {
		return 0, false, false
	}
	first, found = firstStep(m)
	return first, found, true
}
