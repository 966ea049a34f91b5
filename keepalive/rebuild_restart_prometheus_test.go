package keepalive

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// inPlaceRestart is a gateway process replaced in place: down from at
// until up (no scrape answered), the new process started at at+1s.
type inPlaceRestart struct{ at, up time.Time }

// scrapedGateway writes what one scrape job read of one gateway instance
// every 15 s, phase past each 15 s, from before the lookback to now: the
// started counter of each function in counters (by the time of the scrape;
// < 0: no series) to h.counters, and the process start time unless
// noProcess to h.starts (a family's series are written together). Nothing
// is written while the gateway is down. (A backfill writes no staleness
// marker, so a series the new process does not export would stay visible
// for 5 minutes at its old value: each function here is called right
// after the restart, as its new series is made.)
func scrapedGateway(h *backfill, job, instance string, phase time.Duration, now, from time.Time, r inPlaceRestart, noProcess bool, counters map[string]func(time.Time) int) {
	each := func(write func(ts time.Time)) {
		for ts := from.Add(phase); !ts.After(now); ts = ts.Add(15 * time.Second) {
			if ts.Before(r.at) || !ts.Before(r.up) {
				write(ts)
			}
		}
	}
	labels := fmt.Sprintf(`instance=%q,job=%q`, instance, job)
	for fn, value := range counters {
		each(func(ts time.Time) {
			if v := value(ts); v >= 0 {
				fmt.Fprintf(&h.counters, "gateway_function_invocation_started{function_name=%q,%s} %d %d\n", fn+".openfaas-fn", labels, v, ts.Unix())
			}
		})
	}
	if noProcess {
		return
	}
	each(func(ts time.Time) {
		started := from.Add(-24 * time.Hour)
		if !ts.Before(r.at) {
			started = r.at.Add(time.Second)
		}
		fmt.Fprintf(&h.starts, "process_start_time_seconds{%s} %d %d\n", labels, started.Unix(), ts.Unix())
	})
}

// backfill is the counters and start times of a backfilled history.
type backfill struct{ counters, starts strings.Builder }

// openMetrics is h as one OpenMetrics history, without "# EOF".
func (h *backfill) openMetrics() string {
	return "# TYPE gateway_function_invocation_started unknown\n" + h.counters.String() +
		"# TYPE process_start_time_seconds gauge\n" + h.starts.String()
}

// before is a counter at old until t, and at new from then.
func before(t time.Time, old, new int) func(time.Time) int {
	return func(ts time.Time) int {
		if ts.Before(t) {
			return old
		}
		return new
	}
}

// TestRebuildRestartInPlaceFromRealPrometheus backfills gateways restarted
// in place (the same instance, a new process) into a real Prometheus and
// checks that the rebuild learns the calls made after each restart: a
// function called once before and once after (its counter 1, then 1
// again), one counted past its old value; a gateway without process
// metrics reads as before (the second call not learned); and a gateway
// scraped by two jobs, the restart read by one a scrape before the other,
// makes up no call there (its copies' earliest start time changes only
// once both read the new process), and its 1-then-1 counter is learned a
// step late. Then the same in parts of the lookback. Skipped when
// prometheus or promtool is missing (a failure under CI=true).
//
// Seen failing before the start times were read: "rare learned last …
// idle times [] …", dup and passed likewise (7 invocations, not 12); and
// with the start times read as `max by (instance)`: 15 invocations,
// dupfell's old count of 3 learned as calls at the step between the two
// jobs' reads.
func TestRebuildRestartInPlaceFromRealPrometheus(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 6 * time.Hour
	from := now.Add(-lookback - 10*time.Minute)
	var b backfill

	// gw-a restarts 2 hours ago, down 30 s.
	ra := inPlaceRestart{at: now.Add(-2*time.Hour + 20*time.Second), up: now.Add(-2*time.Hour + 50*time.Second)}
	scrapedGateway(&b, "gateway", "gw-a", 7*time.Second, now, from, ra, false, map[string]func(time.Time) int{
		"rare": func(ts time.Time) int {
			if ts.Before(now.Add(-5*time.Hour + 22*time.Second)) {
				return -1
			}
			return 1
		},
		"passed": func(ts time.Time) int {
			switch {
			case ts.Before(ra.at):
				return 3
			case ts.Before(now.Add(-time.Hour)):
				return 5
			}
			return 6
		},
	})
	// gw-c, the same without process metrics.
	scrapedGateway(&b, "gateway", "gw-c", 7*time.Second, now, from, ra, true, map[string]func(time.Time) int{
		"blind": func(ts time.Time) int {
			if ts.Before(now.Add(-5*time.Hour + 22*time.Second)) {
				return -1
			}
			return 1
		},
	})
	// gw-b, scraped by two jobs at 2 and 7 s past each 15 s, restarts at
	// 48 s past a minute 90 minutes ago, and is up 2 s later: the first job
	// reads the new process at 52 s past, before the minute's step, the
	// second at 2 s past the next minute, after it.
	m := now.Add(-90 * time.Minute)
	rb := inPlaceRestart{at: m.Add(-12 * time.Second), up: m.Add(-10 * time.Second)}
	for job, phase := range map[string]time.Duration{"gateway": 7 * time.Second, "gateway-pods": 2 * time.Second} {
		scrapedGateway(&b, job, "gw-b", phase, now, from, rb, false, map[string]func(time.Time) int{
			"dup": func(ts time.Time) int {
				if ts.Before(now.Add(-4*time.Hour + 5*time.Second)) {
					return -1
				}
				return 1
			},
			"dupfell": before(rb.at, 3, 1),
		})
	}

	p := backfilled(t, b.openMetrics())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pol, _ := New(Config{PreWarmShare: 0.25})
	rep, err := pol.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	// Each call is learned in the minute step it shows in: the one ending
	// at the next whole minute; dup's second in the step after.
	calls := map[string][]wantCall{
		"rare":    {{-5*time.Hour + time.Minute, 1}, {-2*time.Hour + time.Minute, 1}},
		"passed":  {{-2*time.Hour + time.Minute, 5}, {-time.Hour + time.Minute, 1}},
		"blind":   {{-5*time.Hour + time.Minute, 1}},
		"dup":     {{-4*time.Hour + time.Minute, 1}, {-90*time.Minute + time.Minute, 1}},
		"dupfell": {{-90*time.Minute + time.Minute, 1}},
	}
	n := 0
	for name, cs := range calls {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		want, _ := New(Config{PreWarmShare: 0.25})
		for _, c := range cs {
			want.ObserveCount(ref, now.Add(c.end), time.Minute, c.n)
			n += c.n
		}
		if got, w := learned(pol, ref), learned(want, ref); got != w {
			t.Errorf("%s learned %s, want %s", name, got, w)
		}
	}
	if rep.Functions != len(calls) || rep.Invocations != float64(n) || rep.StartTimesErr != nil {
		t.Errorf("report %+v, want %d functions, %d invocations, the start times read", rep, len(calls), n)
	}

	// In parts of 12 steps (the series counted by Prometheus itself: 5),
	// the same.
	atPoints(t, 60)
	inParts, _ := New(Config{PreWarmShare: 0.25})
	partsRep, err := inParts.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(partsRep, rep) || !reflect.DeepEqual(learnedOf(inParts, now), learnedOf(pol, now)) {
		t.Errorf("rebuilt in parts: %+v, whole: %+v; or what they learned differs", partsRep, rep)
	}
}

// wantCall is n calls learned in the minute step ending at now+end.
type wantCall struct {
	end time.Duration
	n   int
}
