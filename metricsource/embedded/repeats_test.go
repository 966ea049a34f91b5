package embedded

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestRepeatsIsTheWholeWay: ingest's short way for a sample that repeats
// its series' last value (function.repeats) leaves the store as taking
// every sample the whole way leaves it, through random gateways whose
// series mostly stand still: series listed in another order or split
// across the page, under bare and qualified names, codes and instances;
// duplicates, non-finite and negative samples, unknown metrics, samples
// without or with a bad function_name, series missing and coming back,
// counters reset, and functions vanishing past the retention. The logs
// too: a duplicate is logged as one either way.
func TestRepeatsIsTheWholeWay(t *testing.T) {
	metrics := []string{MetricTotal, MetricStarted, MetricInflight, MetricReplicas, MetricSecondsSum, MetricSecondsCount, "other_metric"}
	names := []string{"a", "a.openfaas-fn", "b", "c.other", "", "Bad Name"}
	codes := []string{"200", "500"}
	insts := []string{"", `instance="g1"`}
	type series struct{ metric, name, code, inst string }
	for run := range 20 {
		rng := rand.New(rand.NewPCG(uint64(run), 36))
		var shortLog, wholeLog bytes.Buffer
		short, whole := newStore("openfaas-fn", debugLog(&shortLog)), newStore("openfaas-fn", debugLog(&wholeLog))
		whole.noRepeats = true
		if rng.IntN(2) == 0 {
			short.capacityWindow, whole.capacityWindow = 20*time.Second, 20*time.Second
		}
		// Two codes of one counter, at the same value until one moves: the
		// page's order swapping them must not swap their values.
		page := []series{{MetricTotal, "a", "200", ""}, {MetricTotal, "a", "500", ""}} // the gateway's series, in its order
		for range 4 + rng.IntN(12) {
			page = append(page, series{metrics[rng.IntN(len(metrics))], names[rng.IntN(len(names))],
				codes[rng.IntN(len(codes))], insts[rng.IntN(len(insts))]})
		}
		// Most pages list a function's series together, as a gateway does.
		slices.SortStableFunc(page, func(x, y series) int {
			if rng.IntN(8) == 0 {
				return 0
			}
			return cmp.Compare(x.name, y.name)
		})
		vals := make([]float64, len(page))
		retention := time.Duration(10+rng.IntN(400)) * time.Second
		at := time.Unix(1_700_000_000, 0)
		for scrape := range 300 {
			at = at.Add(time.Duration(1+rng.IntN(3)) * time.Second)
			if rng.IntN(40) == 0 && len(page) > 1 { // the page's order changes
				i, j := rng.IntN(len(page)), rng.IntN(len(page))
				page[i], page[j], vals[i], vals[j] = page[j], page[i], vals[j], vals[i]
			}
			quiet := scrape%100 > 60 // everything stands still for a while
			var samples []Sample
			for i, s := range page {
				if !quiet && rng.IntN(4) == 0 {
					vals[i] += float64(rng.IntN(3))
				}
				v := vals[i]
				switch rng.IntN(60) {
				case 0:
					continue // missing from this page
				case 1:
					v = math.NaN()
				case 2:
					v = math.Inf(1)
				case 3:
					v = -1
				case 4:
					vals[i] = 0 // a reset
				}
				samples = append(samples, Sample{Metric: s.metric, FunctionName: s.name, Code: s.code, Instance: s.inst, Value: v})
				if rng.IntN(80) == 0 {
					samples = append(samples, samples[len(samples)-1]) // a duplicate
				}
			}
			if rng.IntN(100) == 0 {
				samples = nil
			}
			short.ingest(at, samples, retention, procUnknown)
			whole.ingest(at, samples, retention, procUnknown)
			if a, b := dumpStore(short), dumpStore(whole); a != b {
				t.Fatalf("run %d, scrape %d: the short way's store\n%s\ntaking every sample the whole way\n%s", run, scrape, a, b)
			}
			if a, b := shortLog.String(), wholeLog.String(); a != b {
				t.Fatalf("run %d, scrape %d: the short way logged\n%s\ntaking every sample the whole way\n%s", run, scrape, a, b)
			}
			shortLog.Reset()
			wholeLog.Reset()
		}
	}
}

// debugLog is a logger writing every record but its time to w.
func debugLog(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}}))
}

// dumpStore prints everything ingest and sweep keep, functions in the
// order they were added.
func dumpStore(st *store) string {
	out := fmt.Sprintf("seq %d scrapes %v inflight %t seconds %t added %d names %q\n",
		st.seq, st.scrapes, st.sawInflight, st.sawSeconds, st.added, st.scraped.names)
	for _, e := range st.all {
		fn := *e.fn
		fn.groups = nil // a pointer: its address differs, its contents are below
		out += fmt.Sprintf("%v: %+v\n", e.ref, fn)
		if e.fn.groups != nil {
			out += fmt.Sprintf("  groups %+v\n", *e.fn.groups)
		}
	}
	return out
}
