package keepalive

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// TestRebuildInShardsFromRealPrometheus: a fleet's counters read in
// shards (each the functions whose name ends in some characters, selected
// by PromQL regular expressions) teach what they teach read whole, against
// a real Prometheus: every series in exactly one shard, both names of one
// function ("twice" and "twice.openfaas-fn") in the same one, names ending
// in a digit, a letter, a character outside the shards' alphabet, with and
// without a namespace, and a history that begins within the lookback
// (every counter's first value a baseline, found across the shards).
// Skipped when prometheus or promtool is missing (a failure under CI=true).
//
// Seen failing with shard 0 selecting only its own characters (not the
// others' complement): the "UPPER" and "under_" functions were not learned;
// and without the part's first value found across the shards
// (firstCounted): the history's start missed, and every early function's
// count at it learned as calls.
func TestRebuildInShardsFromRealPrometheus(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 6 * time.Hour
	begins := -4 * time.Hour // Prometheus' history of the gateway begins here
	// The late ones (first called half an hour after the history begins)
	// end in "0" or outside the alphabet: shard 0, read first, whatever the
	// number of shards, so the part's first value is not that shard's.
	names := []struct {
		name string
		late bool
	}{
		{"a.openfaas-fn", false}, {"fn-0.openfaas-fn", true}, {"fn-7.openfaas-fn", false}, {"resize.openfaas-fn", false},
		{"thumbs.other", false}, {"plain", false}, {"twice", false}, {"twice.openfaas-fn", false},
		{"UPPER.openfaas-fn", true}, {"under_.openfaas-fn", true}, {"zz8.openfaas-fn", false}, {"mmk.openfaas-fn", false},
	}
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	for i, fn := range names {
		var changes []counterChange
		v := 3 + i // counted before the history begins: a baseline
		if fn.late {
			v = 0
		} else {
			changes = append(changes, counterChange{begins, v})
		}
		for k := range 4 + i%3 {
			v += 1 + k%2
			changes = append(changes, counterChange{begins + time.Duration(30+37*k+11*i)*time.Minute, v})
		}
		writeStarted(&b, fmt.Sprintf(`function_name=%q,instance="gw-a"`, fn.name), changes, now, lookback, 7*time.Second)
	}
	b.WriteString("# TYPE gateway_service_count gauge\n")
	for ts := now.Add(begins + 7*time.Second); !ts.After(now); ts = ts.Add(15 * time.Second) { // scraped with the counters
		fmt.Fprintf(&b, "gateway_service_count{function_name=\"a.openfaas-fn\"} 1 %d\n", ts.Unix())
	}
	p := backfilled(t, b.String())

	rebuild := func(shardSeries int) (string, RebuildReport) {
		t.Helper()
		defer func(n int) { rebuildShardSeries = n }(rebuildShardSeries)
		rebuildShardSeries = shardSeries
		pol, _ := New(Config{PreWarmShare: 0.25})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rep, err := pol.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn")
		if err != nil {
			t.Fatalf("rebuild in shards of %d series: %v", shardSeries, err)
		}
		return learnedDump(pol, 0), rep
	}
	whole, wholeRep := rebuild(1 << 30)
	if wholeRep.Functions != len(names)-1 || wholeRep.HistoryFrom.IsZero() {
		t.Fatalf("control: read whole, %d functions learned (history from %s), want %d (two names of one) and the history's start",
			wholeRep.Functions, wholeRep.HistoryFrom, len(names)-1)
	}
	for _, per := range []int{1, 2, 5} {
		sharded, rep := rebuild(per)
		if sharded != whole || rep.Functions != wholeRep.Functions || rep.Invocations != wholeRep.Invocations ||
			!rep.HistoryFrom.Equal(wholeRep.HistoryFrom) {
			t.Errorf("in shards of %d series: %d functions, %g invocations, history from %s; whole: %d, %g, %s; learned the same: %v",
				per, rep.Functions, rep.Invocations, rep.HistoryFrom, wholeRep.Functions, wholeRep.Invocations, wholeRep.HistoryFrom, sharded == whole)
		}
	}
}

// TestRebuildShardsBySpreadFromRealPrometheus: names that share their last
// three characters ("svc-07-fn") are sharded by the character before them,
// as Prometheus counts them (ShardSpreadQuery's label_replace), every series
// in exactly one shard (the selectors' regular expressions at that
// position), and what is learned is what is learned read whole. Skipped
// when prometheus or promtool is missing (a failure under CI=true).
func TestRebuildShardsBySpreadFromRealPrometheus(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 2 * time.Hour
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("svc-%02d-fn.openfaas-fn", i))
	}
	names = append(names, "fn", "x.other", "UPPER-fn.openfaas-fn") // too short, no namespace; another namespace; outside the alphabet
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	for i, name := range names {
		changes := []counterChange{{-lookback - time.Hour, 1}}
		for k := range 3 {
			changes = append(changes, counterChange{-lookback + time.Duration(10+23*k+i)*time.Minute, 2 + k})
		}
		writeStarted(&b, fmt.Sprintf(`function_name=%q,instance="gw-a"`, name), changes, now, lookback+time.Hour, 7*time.Second)
	}
	p := backfilled(t, b.String())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	defer func(n int) { rebuildShardSeries = n }(rebuildShardSeries)
	rebuildShardSeries = 6 // 33 series: six shards
	size := newShardSpread(p.API(), now, time.Minute, "openfaas-fn").choose(ctx, sizeFor(float64(len(names)), true, 121))
	if size.shards != 6 || size.at != 3 {
		t.Fatalf("%d shards by the character %d from the end, want 6 by the digit before \"-fn\" (3)", size.shards, size.at)
	}
	total, largest := 0, 0
	for i := range size.shards {
		v, _, _, err := p.API().QueryRange(ctx, size.query(i, "openfaas-fn"), v1.Range{Start: now, End: now, Step: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		n := len(v.(model.Matrix))
		total, largest = total+n, max(largest, n)
	}
	// Shard 0: the digits 0 and 6 (six names) and the three with no
	// character of the alphabet there.
	if total != len(names) || largest > 9 {
		t.Errorf("the shards held %d series (the largest %d), want each of the %d once and at most 9 in one", total, largest, len(names))
	}

	learn := func() string {
		pol, _ := New(Config{PreWarmShare: 0.25})
		if _, err := pol.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn"); err != nil {
			t.Fatalf("%v\n%s", err, p.Logs())
		}
		return learnedDump(pol, 0)
	}
	sharded := learn()
	rebuildShardSeries = 1 << 30
	if whole := learn(); sharded != whole {
		t.Errorf("read in shards, learned\n%s\nread whole\n%s", sharded, whole)
	}
}
