package keepalive

import (
	"bufio"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var updateRebuildGolden = flag.Bool("update-rebuild-golden", false, "rewrite testdata/rebuild_golden.txt from what Rebuild learns now")

// rebuildGoldenFile holds, for each day of TestRebuildLearnsWhatItLearned,
// a digest of everything the policy learned (learnedDump) and its
// RebuildReport, as the rebuild learned them before it was made cheaper
// (session 38).
const rebuildGoldenFile = "testdata/rebuild_golden.txt"

// TestRebuildLearnsWhatItLearned: what a rebuild learns from a day —
// every function's idle times, their weights and order, its last call and
// the count it was idled from, and the report — is what it learned when
// recorded, whatever the parts it reads the day in. It guards the
// rebuild's optimisations (its cost at 100,000 functions: BenchmarkRebuildDay):
// each must read the history exactly as before.
//
// The days: the benchmark's at a few hundred functions, and messyDay (gateway
// restarts in place and falls, a gateway without start times, lost start
// times, scrape gaps, values that are not counts, answers out of time order or
// refused as too large, names that do not parse or name one function twice),
// whole, without start times, with a history that begins within the day, and
// under a small budget of idle times. Each is read in shards of a few
// series too (rebuildShardSeries), which must learn the same.
func TestRebuildLearnsWhatItLearned(t *testing.T) {
	defer func(n, b int) { rebuildMaxPoints, maxIdleTimes = n, b }(rebuildMaxPoints, maxIdleTimes)
	shardSeries := rebuildShardSeries
	const lookback = 24 * time.Hour
	now := t0.Add(lookback)
	days := []struct {
		name string
		make func() RangeQuerier
		// budget, when not 0, is maxIdleTimes: the histories then grow in
		// the order the functions are learned in, and only what does not
		// depend on it is compared (learnedDump's newest).
		budget int
		// inParts: the day's answers depend on the parts it is read in
		// (dayOfCalls draws the calls of a part function by function), so
		// each is recorded apart; otherwise all must learn the same.
		inParts bool
	}{
		{"bench-300", func() RangeQuerier { return newDayOfCalls(7, 300, t0, "") }, 0, true},
		{"messy", func() RangeQuerier { return newMessyDay(1, 0, false) }, 0, false},
		{"messy-no-start-times", func() RangeQuerier { return newMessyDay(2, 0, true) }, 0, false},
		{"messy-history-from-150", func() RangeQuerier { return newMessyDay(3, 150, false) }, 0, false},
		{"messy-budget-3000", func() RangeQuerier { return newMessyDay(4, 0, false) }, 3000, false},
	}
	got := map[string]string{}
	var names []string
	for _, day := range days {
		var first string
		// Whole (one answer, split by the fake's own limit), in parts of
		// a few steps, and one step a part.
		for _, points := range []int{1 << 30, 4000, 1} {
			rebuildMaxPoints = points
			maxIdleTimes = 2_000_000
			newest := 0
			if day.budget > 0 {
				maxIdleTimes, newest = day.budget, 2*Default().MinSamples
			}
			p, _ := New(Config{PreWarmShare: 0.25})
			rep, err := p.Rebuild(context.Background(), day.make(), now, lookback, time.Minute, "openfaas-fn")
			if err != nil {
				t.Fatalf("%s in parts of %d points: %v", day.name, points, err)
			}
			line := goldenLine(p, rep, newest)
			// Read in shards of a few series each (rebuildshards.go), the
			// same parts learn the same.
			rebuildShardSeries = 60
			p, _ = New(Config{PreWarmShare: 0.25})
			rep, err = p.Rebuild(context.Background(), day.make(), now, lookback, time.Minute, "openfaas-fn")
			rebuildShardSeries = shardSeries
			if err != nil {
				t.Fatalf("%s in parts of %d points, in shards: %v", day.name, points, err)
			}
			if sharded := goldenLine(p, rep, newest); sharded != line {
				t.Errorf("%s in parts of %d points, in shards of 60 series, learned\n%s\nin one\n%s", day.name, points, sharded, line)
			}
			switch {
			case day.inParts:
				name := day.name + "/" + strconv.Itoa(points)
				got[name] = line
				names = append(names, name)
			case first == "":
				first = line
				got[day.name] = line
				names = append(names, day.name)
			case line != first:
				t.Errorf("%s in parts of %d points learned\n%s\nwhole\n%s", day.name, points, line, first)
			}
		}
	}
	if *updateRebuildGolden {
		var b strings.Builder
		for _, name := range names {
			fmt.Fprintf(&b, "%s %s\n", name, got[name])
		}
		if err := os.WriteFile(rebuildGoldenFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readRebuildGolden(t)
	for _, name := range names {
		if got[name] != want[name] {
			t.Errorf("%s learned\n%s\nrecorded\n%s", name, got[name], want[name])
		}
	}
}

func readRebuildGolden(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(rebuildGoldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, line, _ := strings.Cut(sc.Text(), " ")
		out[name] = line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// goldenLine is a digest of learnedDump and the report in words, so a
// change shows in the report where it can.
func goldenLine(p *Policy, rep RebuildReport, newest int) string {
	dump := learnedDump(p, newest)
	return fmt.Sprintf("sha256=%x functions=%d invocations=%g zeroed=%d skipped=%q history-from=%s zeroed-err=%v start-times-err=%v",
		sha256.Sum256([]byte(dump)), rep.Functions, rep.Invocations, rep.Zeroed, rep.Skipped,
		rep.HistoryFrom.UTC().Format(time.RFC3339), rep.ZeroedErr, rep.StartTimesErr)
}

// learnedDump is everything p learned, function by function in name
// order, bit for bit: each history's ring of idle times, weights and ranks
// as stored, and its last call, slack and zeroed count; and the policy's
// own counts. With newest > 0, only each history's newest idle times (at
// most newest, in arrival order) and weights, its last call, slack and
// zeroed count: what a budget of idle times leaves the same whatever order
// the functions are learned in (every history grows to twice MinSamples).
func learnedDump(p *Policy, newest int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	refs := make([]provider.Ref, 0, len(p.fns))
	for ref := range p.fns {
		refs = append(refs, ref)
	}
	slices.SortFunc(refs, func(a, b provider.Ref) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	var b strings.Builder
	if newest == 0 {
		fmt.Fprintf(&b, "idle-times=%d unknown-to=%d\n", p.idleTimes, p.unknownTo.UnixNano())
	}
	for _, ref := range refs {
		h := p.fns[ref]
		if newest > 0 {
			fmt.Fprintf(&b, "%s/%s last=%d slack=%d seen=%t late=%t zeroed=%d\n",
				ref.Namespace, ref.Name, h.last.UnixNano(), h.slack, h.seen, h.lastLate, h.zeroedAt)
			l := len(h.e)
			for i := max(0, l-newest); i < l; i++ {
				e := h.e[(h.next+i)%l] // the oldest is at next
				fmt.Fprintf(&b, " %08x:%d", math.Float32bits(e.it), e.w)
			}
			b.WriteByte('\n')
			continue
		}
		fmt.Fprintf(&b, "%s/%s n=%d next=%d last=%d slack=%d seen=%t late=%t zeroed=%d added=%d\n",
			ref.Namespace, ref.Name, len(h.e), h.next, h.last.UnixNano(), h.slack, h.seen, h.lastLate, h.zeroedAt, h.added)
		for _, e := range h.e {
			fmt.Fprintf(&b, " %08x:%d:%d", math.Float32bits(e.it), e.w, e.rank)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// messyDay is a day at one-minute steps of a few hundred functions' counters
// on three gateway instances, as Prometheus answers Rebuild's queries
// (restartHistory: each query's range only, start times by the instances
// named), with what the rebuild must read carefully:
//   - gw-a is restarted in place twice (its start time moves, its counters
//     start again, some back above their old value by their next value),
//     and its start time is lost at some steps, one of them a restart's;
//   - gw-b exports no start time, and restarts (its counters fall) once;
//   - gw-c is first scraped a few hours in, its start time is lost at some
//     steps and jitters by a second at others, and it is restarted in place;
//   - scrape gaps, values that are not counts (NaN, -1, +Inf), a series
//     without an instance, names that do not parse, and two names of one
//     function ("fn-3" in the default namespace, its series answered last,
//     and "fn-3.openfaas-fn" on every instance);
//   - answers with some series' values out of time order, and answers over
//     maxSamples points refused as Prometheus refuses them (queryRange
//     splits them);
//   - a replica history with falls to zero.
//
// With historyFrom > 0, Prometheus holds nothing before that step; with
// noStarts, the start-time queries fail.
type messyDay struct {
	*restartHistory
	replicas   model.Matrix
	maxSamples int
	shuffle    *rand.Rand
}

func newMessyDay(seed uint64, historyFrom int, noStarts bool) *messyDay {
	const n, steps = 240, 24*60 + 1
	rng := rand.New(rand.NewPCG(seed, 11))
	at := func(k int) model.Time {
		return model.TimeFromUnixNano(t0.Add(time.Duration(k) * time.Minute).UnixNano())
	}
	f := &messyDay{restartHistory: &restartHistory{ranged: &ranged{}}, maxSamples: 150_000,
		shuffle: rand.New(rand.NewPCG(seed, 12))}
	if noStarts {
		f.failStarts = fmt.Errorf("unavailable")
	}
	restartsA := []int{400, 1000}
	const restartB, bornC, restartC = 700, 300, 1200
	// Start times: gw-a's move at its restarts, and are lost at some
	// steps, one of them a restart's; gw-c's are lost at some steps, read
	// a second off at others, and move at its restart.
	startsA := &model.SampleStream{Metric: model.Metric{"instance": "gw-a"}}
	startsC := &model.SampleStream{Metric: model.Metric{"instance": "gw-c"}}
	for k := historyFrom; k < steps; k++ {
		s := 1.7e9
		for _, r := range restartsA {
			if k >= r {
				s += float64(r) * 60
			}
		}
		if k != restartsA[1] && rng.IntN(30) != 0 {
			startsA.Values = append(startsA.Values, model.SamplePair{Timestamp: at(k), Value: model.SampleValue(s)})
		}
		if k >= bornC && rng.IntN(20) != 0 {
			c := 1.69e9 + float64(rng.IntN(3)-1)*float64(rng.IntN(2))
			if k >= restartC {
				c += 3600
			}
			startsC.Values = append(startsC.Values, model.SamplePair{Timestamp: at(k), Value: model.SampleValue(c)})
		}
	}
	f.starts = model.Matrix{startsA, startsC}
	var last model.Matrix // fn-3's series, answered after the others: apart from fn-3.openfaas-fn's
	for i := range n {
		name := "fn-" + strconv.Itoa(i) + ".openfaas-fn"
		switch i {
		case 3:
			name = "fn-3" // and fn-3.openfaas-fn below: one function
		case 17:
			name = ".bad"
		case 18:
			name = "bad."
		}
		rate := math.Exp(math.Log(1.0/(24*60)) + rng.Float64()*math.Log(24*60*2)) // calls a minute
		instances := []string{"gw-a", "gw-b", "gw-c"}[:1+rng.IntN(3)]
		if i == 5 {
			instances = []string{""} // no instance label
		}
		if i == 4 {
			instances = []string{"gw-a", "gw-b", "gw-c"}
			name = "fn-3.openfaas-fn"
		}
		for _, in := range instances {
			metric := model.Metric{"function_name": model.LabelValue(name)}
			if in != "" {
				metric["instance"] = model.LabelValue(in)
			}
			s := &model.SampleStream{Metric: metric}
			v := float64(rng.IntN(1000))
			born := historyFrom
			if in == "gw-c" {
				born = max(born, bornC)
			}
			if rng.IntN(5) == 0 {
				born = max(born, rng.IntN(steps)) // created within the day
			}
			for k := 0; k < steps; k++ {
				calls := 0
				for rng.Float64() < rate/(1+rate) && calls < 100 {
					calls += 1 + rng.IntN(3)
				}
				if rng.IntN(3000) == 0 {
					calls += 70_000 // beyond a weight's bound
				}
				v += float64(calls)
				switch {
				case in == "gw-a" && slices.Contains(restartsA, k):
					// Restarted in place: at most the calls since, or
					// back above the old value.
					v = float64(calls + rng.IntN(2)*int(v+1))
				case in == "gw-b" && k == restartB:
					v = float64(calls)
				case in == "gw-c" && k == restartC:
					v = float64(calls + rng.IntN(2)*int(v+1))
				}
				if k < born || rng.IntN(150) == 0 {
					continue // not yet, or a scrape gap
				}
				if in == "gw-a" && slices.Contains(restartsA, k) && rng.IntN(2) == 0 {
					continue // the old series stale before the new one's first scrape
				}
				pv := v
				switch rng.IntN(2000) {
				case 0:
					pv = math.NaN()
				case 1:
					pv = -1
				case 2:
					pv = math.Inf(1)
				}
				s.Values = append(s.Values, model.SamplePair{Timestamp: at(k), Value: model.SampleValue(pv)})
			}
			f.series = append(f.series, s)
			if i == 3 {
				last = append(last, s)
				f.series = f.series[:len(f.series)-1]
			}
		}
		if rate < 1.0/10 && i%3 != 0 {
			r := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(name)}}
			for range 1 + rng.IntN(3) {
				r.Values = append(r.Values, model.SamplePair{Timestamp: at(rng.IntN(steps)), Value: model.SampleValue(1 + rng.IntN(4))})
			}
			f.replicas = append(f.replicas, r)
		}
	}
	f.series = append(f.series, last...)
	return f
}

func (f *messyDay) QueryRange(ctx context.Context, q string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	switch {
	case q == RebuildReplicasQuery(r.Step):
		return f.replicas, nil, nil, nil
	case isCounterQuery(q):
		selects, _, _ := counterShard(q)
		n := 0
		for _, s := range f.series {
			if selects(s.Metric["function_name"]) {
				n++
			}
		}
		if points := n * (int(r.End.Sub(r.Start)/r.Step) + 1); points > f.maxSamples {
			return nil, nil, nil, &v1.Error{Type: v1.ErrExec, Msg: "query processing would load too many samples into memory in query execution"}
		}
		v, w, i, err := f.restartHistory.QueryRange(ctx, q, r, opts...)
		if m, ok := v.(model.Matrix); ok {
			for j, s := range m {
				if j%7 == 3 {
					f.shuffle.Shuffle(len(s.Values), func(a, b int) { s.Values[a], s.Values[b] = s.Values[b], s.Values[a] })
				}
			}
		}
		return v, w, i, err
	case strings.Contains(q, promql.MetricProcessStart), q == RebuildSeriesQuery():
		return f.restartHistory.QueryRange(ctx, q, r, opts...)
	}
	return model.Matrix{}, nil, nil, nil // the coverage query: no gateway before the history
}

// TestRebuildUnderABudgetIsReproducible: under a budget of idle times
// (maxIdleTimes), which histories grow past their share depends on the
// order the functions are learned in; the rebuild learns them in the
// answers' order, so that a start learns what the start before it learned
// from the same history. Seen failing while the rebuild learned in a map's
// order: the second rebuild learned other idle times than the first.
func TestRebuildUnderABudgetIsReproducible(t *testing.T) {
	defer func(b int) { maxIdleTimes = b }(maxIdleTimes)
	maxIdleTimes = 3000
	const lookback = 24 * time.Hour
	var first string
	for i := range 3 {
		p, _ := New(Config{PreWarmShare: 0.25})
		if _, err := p.Rebuild(context.Background(), newMessyDay(4, 0, false), t0.Add(lookback), lookback, time.Minute, "openfaas-fn"); err != nil {
			t.Fatal(err)
		}
		dump := learnedDump(p, 0)
		if i == 0 {
			first = dump
		} else if dump != first {
			t.Fatalf("rebuild %d learned other idle times than the first", i+1)
		}
	}
}
