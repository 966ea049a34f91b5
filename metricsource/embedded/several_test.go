package embedded

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// TestSeveralProcessesRefusedThenOneRead: pages alternating between two
// gateway processes behind one URL fail, with an error that says so, for
// as long as they alternate; once one process answers alone (the other
// replica gone) the source reads again after severalRun pages, and a
// function never called reads no call.
func TestSeveralProcessesRefusedThenOneRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		g := &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
			n++
			start, v := 1.7e9, 100.0
			if n%2 == 0 && el < 20*time.Second { // replica B until 20 s, then A alone
				start, v = 1.7e9+3600, 40
			}
			b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 3, 64) + "\n")
			counter(b, MetricStarted, "idle", "", v)
		}}
		src := startSource(t, g)
		advance(15*time.Second + 500*time.Millisecond)
		err := src.ScrapeOnce(context.Background(), time.Now()) // n odd or even: either fails
		if err == nil || !strings.Contains(err.Error(), "several gateway processes") {
			t.Fatalf("a page while two processes alternate: err %v, want one saying the url serves several", err)
		}
		if _, err := src.Activity(context.Background(), 10*time.Second); err == nil {
			if a := activity(t, src, 10*time.Second); a.Covered {
				t.Errorf("alternating processes: activity covered, want not (no page recorded)")
			}
		}
		advance(40 * time.Second) // A alone from 20 s: read again from about 30 s
		a := activity(t, src, 10*time.Second)
		if !a.Covered || a.Started[fnRef("idle")] != 0 {
			t.Errorf("one process alone for 35s: activity covered %v (%s), started %v; want covered, 0",
				a.Covered, a.Uncovered, a.Started[fnRef("idle")])
		}
	})
}

// TestPageProcessJitter: a start time that moves by whole seconds up to
// the jitter (promql.StartedAgain's 2 s) either way is the same process;
// later by more, a restart; earlier by more, or by a fraction of a second
// either way, another process (an error).
func TestPageProcessJitter(t *testing.T) {
	src, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	page := func(v float64) map[string]*dto.MetricFamily {
		body := "process_start_time_seconds " + strconv.FormatFloat(v, 'f', 3, 64) + "\n"
		f, err := parseFamilies(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for i, c := range []struct {
		start float64
		want  process
		fails bool
	}{
		{1000, procSame, false},
		{1001, procSame, false}, // a clock step
		{999, procSame, false},  // back
		{1001, procSame, false}, // 2 s from the last: at the jitter, not over it
		{1010, procRestarted, false},
		{1011, procSame, false},      // a clock step: whole seconds
		{1005, procUnknown, true},    // earlier than the last by 6 s: another process
		{1005.56, procUnknown, true}, // 0.56 s from the last: another process (a replica of one rollout)
	} {
		got, start, err := src.pageProcess(page(c.start))
		if err == nil && start > 0 {
			src.started = start // as observePage does with a page recorded
		}
		if got != c.want || (err != nil) != c.fails {
			t.Errorf("page %d, start %v: %v, %v; want %v, failing %v", i, c.start, got, err, c.want, c.fails)
		}
	}
}
