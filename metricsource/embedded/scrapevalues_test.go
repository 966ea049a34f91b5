package embedded

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrapesOf runs a Source at a 1 s interval over bodies, one body per
// scrape at t0, t0+1s, ..., and returns it with its clock half a second
// after the last scrape. A scrape that fails is reported (not fatal): the
// caller checks what the source answers.
func scrapesOf(t *testing.T, bodies []string) (*Source, []error) {
	t.Helper()
	t0 := time.Unix(1_700_000_000, 0)
	clk := &fixedClock{}
	var i int
	cfg := DefaultConfig()
	cfg.Interval = time.Second
	cfg.Clock = clk
	cfg.Fetch = func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(bodies[i])), nil
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for i = range bodies {
		if err := src.ScrapeOnce(context.Background(), t0.Add(time.Duration(i)*time.Second)); err != nil {
			errs = append(errs, err)
		}
	}
	clk.t = t0.Add(time.Duration(len(bodies)-1)*time.Second + 500*time.Millisecond)
	return src, errs
}

func repeat(body string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = body
	}
	return out
}

// TestDuplicateSeriesAreNotResets: a /metrics body that lists one
// function's counter twice under the labels the source keeps (a literal
// duplicate, or two series told apart only by a label it drops, such as
// the instance of an aggregated endpoint) and never changes. Prometheus
// keeps one sample per series and time (the duplicate is dropped), so the
// function had no invocation. The embedded source records both values as
// successive points at the same scrape time, reads every scrape as a
// counter reset, and reports thousands of invocations a minute: the
// function never idled, and its rps load was as wrong. The first sample
// stands now. Seen failing before the fix (found by a review): "started
// over 10s = 1000 for counters that never changed; want 0". (Series told
// apart by another label, such as instance, are two series now, summed:
// TestSeriesOfSeveralGatewayReplicasAddUp; they are kept here as a case
// that must read no invocation either.)
func TestDuplicateSeriesAreNotResets(t *testing.T) {
	for name, body := range map[string]string{
		"literal duplicate": "gateway_function_invocation_started{function_name=\"a.openfaas-fn\"} 100\n" +
			"gateway_function_invocation_started{function_name=\"a.openfaas-fn\"} 40\n",
		"dropped label": "gateway_function_invocation_started{function_name=\"a.openfaas-fn\",instance=\"gw-1\"} 100\n" +
			"gateway_function_invocation_started{function_name=\"a.openfaas-fn\",instance=\"gw-2\"} 40\n",
	} {
		t.Run(name, func(t *testing.T) {
			src, errs := scrapesOf(t, repeat(body, 12))
			if len(errs) > 0 {
				t.Fatalf("scrapes failed: %v (the first sample of a duplicate stands)", errs[0])
			}
			act, err := src.Activity(context.Background(), 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := act.Started[fnRef("a")]; !ok || got != 0 {
				t.Errorf("started over 10s = %v (present %v) for counters that never changed; want 0", got, ok)
			}
		})
	}
}

// TestAMistypedCounterIsMissingNotZero: a started counter under a TYPE line
// that is not counter, gauge or untyped (here summary) is read as 0 at
// every scrape (value() falls to GetUntyped() of a metric that has none).
// The function is called 5 times a second, yet the source reports it
// present with 0 started over a covered window: idle. Missing is not
// zero: the series is left out now. Seen failing before the fix (found by a
// review): "a function called 5 times a second reads covered with 0 started
// (present: true)".
func TestAMistypedCounterIsMissingNotZero(t *testing.T) {
	var bodies []string
	for i := range 12 {
		bodies = append(bodies, "# TYPE gateway_function_invocation_started summary\n"+
			"gateway_function_invocation_started{function_name=\"a.openfaas-fn\"} "+itoa(5*(i+1))+"\n")
	}
	src, errs := scrapesOf(t, bodies)
	if len(errs) > 0 {
		t.Fatalf("scrapes failed: %v (a mistyped family is left out, not an error)", errs[0])
	}
	act, err := src.Activity(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := act.Started[fnRef("a")]; ok {
		t.Errorf("a function called 5 times a second reads %v started (covered %v); want it missing", n, act.Covered)
	}
}

// TestANegativeCounterIsMissing: a counter value below zero (invalid: a
// counter never goes below 0) was taken as a reset to it, so the function's
// started count over the window was negative; now the value is missing.
// Seen failing before the fix (found by a review): "started = -3".
func TestANegativeCounterIsMissing(t *testing.T) {
	bodies := repeat("gateway_function_invocation_started{function_name=\"a.openfaas-fn\"} 5\n", 6)
	bodies = append(bodies, repeat("gateway_function_invocation_started{function_name=\"a.openfaas-fn\"} -3\n", 6)...)
	src, errs := scrapesOf(t, bodies)
	if len(errs) > 0 {
		t.Fatalf("scrapes failed: %v (a negative value is left out, not an error)", errs[0])
	}
	act, err := src.Activity(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Refused, the values leave the counter missing from the last scrapes:
	// vanished (unknown, not idle), and never a negative count.
	if n, ok := act.Started[fnRef("a")]; ok && n < 0 || !act.Vanished[fnRef("a")] {
		t.Errorf("started = %v (vanished %v); a count of invocations is never negative (want the value refused: the series missing)",
			n, act.Vanished[fnRef("a")])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
