package embedded

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestReview52PReplicasStartedTogetherBehindOneAddressAreNoCalls: the
// gateway's Deployment at two replicas behind its Service, both created by
// one rollout (or one `kubectl scale`): their processes started within the
// same second, 0.56 s apart. Successive scrapes reach either replica; no
// function is called at all. restart.go tells several processes only by a
// start time earlier than the last by more than promql.StartedAgain's 2 s
// jitter, which two replicas of one rollout never are: every page reads as
// the same process (procSame), and the two replicas' counters (100 and 40)
// are joined as one series, a reset and a rise at every page. The jitter
// the commit allows is whole seconds (btime, "moves by whole seconds when
// the node's clock is stepped"); the process's own start ticks are fixed,
// so two readings of one process differ by a whole number of seconds and
// 0.56 s is another process. The package doc: "An earlier start time than
// the last page's is another process ... That scrape fails"; missing, not
// a phantom load. Expected: no started call and no rate above 0 (an
// error, not covered, or missing are all fine).
func TestReview52PReplicasStartedTogetherBehindOneAddressAreNoCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			n++
			start, v := 1.7e9+0.31, 100.0 // replica A
			if n%2 == 0 {
				start, v = 1.7e9+0.87, 40 // replica B, same rollout
			}
			b.WriteString("# TYPE process_start_time_seconds gauge\n")
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 2, 64) + "\n")
			counter(b, MetricStarted, "idle", "", v)
			counter(b, MetricTotal, "idle", "200", v)
		}}
		src := startSource(t, g)
		advance(20*time.Second + 500*time.Millisecond)
		if act, err := src.Activity(context.Background(), 10*time.Second); err == nil && act.Covered {
			if got := act.Started[fnRef("idle")]; got > 0 {
				t.Errorf("a function never called on either gateway replica (started 0.56s apart): %v started over 10s, covered; want none", got)
			}
		}
		if v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 10 * time.Second}); err == nil {
			if got := v[fnRef("idle")]; got > 0 {
				t.Errorf("a function never called on either gateway replica (started 0.56s apart): rps %v over 10s; want 0 or missing", got)
			}
		}
	})
}

// TestReview52PReplicaLeftAloneAfterSeveralIsNotARestart: one gateway
// replica P1 serves the URL; a second, P2 (started an hour earlier: an
// older pod), joins behind the Service, and pages alternate (refused,
// restart.go); then P1 is scaled away and P2 answers alone. After ten
// pages of P2 the source reads again, and pageProcess calls P2's page a
// restart (procRestarted: "Earlier: after pages from several processes,
// the other one's alone: its counters are not the last page's either"),
// so ingest counts every counter of P2 whole, as calls made since the last
// page recorded (P1's, before the refusal). But P2 did not start after
// that page: it started an hour before and its counters hold an hour of
// calls (here 100, never moving). A function never called reads 100
// calls in the interval: an rps above 0 that the scaler acts on, a
// LastActivity at the recovery. Not joinable is not "from zero":
// expected, no call read (the rate 0 or missing, LastActivity false).
func TestReview52PReplicaLeftAloneAfterSeveralIsNotARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			n++
			start, v := 1.7e9+3600, 40.0 // P1
			if el >= 20*time.Second || (el >= 5*time.Second && n%2 == 0) {
				start, v = 1.7e9, 100 // P2, older; alone from 20 s
			}
			b.WriteString("# TYPE process_start_time_seconds gauge\n")
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 3, 64) + "\n")
			counter(b, MetricStarted, "idle", "", v)
			counter(b, MetricTotal, "idle", "200", v)
		}}
		src := startSource(t, g)
		advance(40*time.Second + 500*time.Millisecond) // P2 alone from 20 s: read again from about 30 s
		if v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 30 * time.Second}); err == nil {
			if got := v[fnRef("idle")]; got > 0 {
				t.Errorf("a function never called on either gateway replica, read again after the other left: rps %v over 30s; want 0 or missing", got)
			}
		}
		if at, ok := src.LastActivity(fnRef("idle")); ok {
			t.Errorf("a function never called on either gateway replica: LastActivity %s; want false", at)
		}
	})
}

// TestReview52PClockSteppedBackIsNotARestart: one gateway, one process,
// its page at every scrape. The node's clock is stepped back by 5 s (an
// NTP correction after a VM's suspend): the Go client's
// process_start_time_seconds is btime + start ticks, btime read at each
// scrape (restart.go's own words), so it reads 5 s earlier from then on,
// the process unchanged. Past the 2 s jitter and earlier, it is taken
// for another process: ten pages are refused (missing, acceptable), and
// then the page is read as procRestarted, every counter counted whole
// ("its counters are not the last page's either"). They are the last
// page's: a function whose counter stood at 1000 the whole time reads
// 1000 calls over the refusal, an rps above 0 for every function ever
// called at once. Expected: no call read (rps 0 or missing, LastActivity
// false); the pages refused may read missing.
func TestReview52PClockSteppedBackIsNotARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			start := 1.7e9 + 0.25
			if el >= 5*time.Second {
				start -= 5 // the clock stepped back 5 s
			}
			b.WriteString("# TYPE process_start_time_seconds gauge\n")
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 2, 64) + "\n")
			counter(b, MetricStarted, "f", "", 1000)
			counter(b, MetricTotal, "f", "200", 1000)
		}}
		src := startSource(t, g)
		advance(20*time.Second + 500*time.Millisecond)
		if v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 15 * time.Second}); err == nil {
			if got := v[fnRef("f")]; got > 0 {
				t.Errorf("f's counter at 1000 throughout, one process, its start time read 5s earlier after a clock step: rps %v over 15s; want 0 or missing", got)
			}
		}
		if at, ok := src.LastActivity(fnRef("f")); ok {
			t.Errorf("f's counter at 1000 throughout: LastActivity %s; want false", at)
		}
	})
}
