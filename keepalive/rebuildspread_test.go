package keepalive

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// suffixFleet is n functions named "svc-<i>-fn", each called at a few
// minutes of an hour's history: names that share their last three
// characters, as a fleet named by a convention does.
func suffixFleet(n int, from time.Time) model.Matrix {
	m := model.Matrix{}
	for i := range n {
		m = append(m, counterOver(fmt.Sprintf("svc-%03d-fn.openfaas-fn", i), from, 0, 60, 5+i%37, 20+i%17, 41+i%13))
	}
	return m
}

// TestRebuildShardsByACharacterTheNamesDoNotShare: a fleet over
// rebuildShardSeries is read in shards so that no answer holds much more
// than that many series (at 100,000 functions a whole part peaked the
// restarted controller at 297 MiB). The shards were by the names' last
// character alone: a fleet named "…-fn" was one shard of every series, the
// whole part again. The rebuild now asks how the series spread over the
// characters from the names' end (ShardSpreadQuery) and shards by the
// first position whose shards are near even: here the digit before "-fn".
//
// Seen failing with the last character always (size.at left 0): "the
// largest answer held 600 series".
func TestRebuildShardsByACharacterTheNamesDoNotShare(t *testing.T) {
	now := t0.Add(time.Hour)
	fleet := suffixFleet(600, t0)

	whole := &ranged{series: fleet}
	pw := mustPolicy(t)
	if _, err := pw.Rebuild(context.Background(), whole, now, time.Hour, time.Minute, "openfaas-fn"); err != nil {
		t.Fatal(err)
	}
	if whole.maxSeries != 600 {
		t.Fatalf("control: read whole, the largest answer held %d series, want 600", whole.maxSeries)
	}

	defer func(n int) { rebuildShardSeries = n }(rebuildShardSeries)
	rebuildShardSeries = 100 // six shards of 100 at most, planned
	for _, within := range []bool{false, true} {
		sharded := &ranged{series: fleet}
		ps := mustPolicy(t)
		var err error
		if within {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_, err = ps.RebuildWithin(ctx, sharded, now, time.Hour, time.Minute, "openfaas-fn", time.Now)
			cancel()
		} else {
			_, err = ps.Rebuild(context.Background(), sharded, now, time.Hour, time.Minute, "openfaas-fn")
		}
		if err != nil {
			t.Fatal(err)
		}
		// The digit before "-fn": 0–9 over six shards, two digits in most.
		if sharded.maxSeries > 150 {
			t.Errorf("RebuildWithin %v: the largest answer held %d series, want at most 150 (six shards of 600)", within, sharded.maxSeries)
		}
		if got, want := learnedDump(ps, 0), learnedDump(pw, 0); got != want {
			t.Errorf("RebuildWithin %v: read in shards, learned\n%s\nread whole\n%s", within, got, want)
		}
	}
}

// TestShardSpreadChoosesThePosition: the position is the first from the
// names' end whose largest shard is near an even share; names with no
// character there (too short) are in shard 0; with no answer, the last.
func TestShardSpreadChoosesThePosition(t *testing.T) {
	for _, c := range []struct {
		names  []string
		shards int
		want   int
	}{
		{[]string{"a", "b", "c", "d"}, 2, 0},                             // the last characters spread: 0
		{[]string{"a-fn", "b-fn", "c-fn", "d-fn"}, 2, 3},                 // "n", "f", "-" shared; the first spread
		{[]string{"x1", "x2", "y1", "y2", "z1", "z3"}, 3, 0},             // by the last: 1,1,1 → shard 1 of 3 holds 3 of 6, at most 1.5 × 2
		{[]string{"fn", "fn", "fn", "fn"}, 2, 0},                         // nothing spreads: the smallest largest, the first
		{[]string{"xa-q", "xb-q", "xc-q", "xd-q", "xe-q", "xf-q"}, 2, 2}, // the character two before the end
	} {
		q := &ranged{}
		for _, n := range c.names {
			q.series = append(q.series, counterOver(n+".openfaas-fn", t0, 0, 1))
		}
		// Every shard of at most one series, so the share, not the bound, decides.
		defer func(n int) { rebuildShardSeries = n }(rebuildShardSeries)
		rebuildShardSeries = 1
		size := newShardSpread(q, t0.Add(time.Minute), time.Minute, "openfaas-fn").choose(context.Background(), partSize{shards: c.shards})
		if size.at != c.want {
			t.Errorf("%v in %d shards: position %d from the end, want %d", c.names, c.shards, size.at, c.want)
		}
	}
	size := newShardSpread(byQuery{}, t0, time.Minute, "openfaas-fn").choose(context.Background(), partSize{shards: 3})
	if size.at != 0 {
		t.Errorf("no answer: position %d, want the last character's", size.at)
	}
}
