package alerts

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestReview49RetryOfWithNonUTCStartsAt: AlertManager writes startsAt in the
// location it parsed it in; a Prometheus with a TZ other than UTC sends
// "+05:30" times, which AlertManager passes on. time.Time parses such an
// offset into a new FixedZone each time, and == (a map key) compares the
// Location pointer: the retry's instance never matches the one remembered,
// so the retry carries no RetryOf and steps again past StepDedup.
//
// Seen failing before the fix (instances are hashed with startsAt as an
// instant): RetryOf 0001-01-01 00:00:00 +0000 UTC, want 2026-11-26 15:00:00.
func TestReview49RetryOfWithNonUTCStartsAt(t *testing.T) {
	h, sink, clk := retryingHandler(t)
	offset := func(a string) string {
		return strings.Replace(a, `"startsAt":"2026-11-26T14:55:36.60864713Z"`, `"startsAt":"2026-11-26T20:25:36.60864713+05:30"`, 1)
	}
	a, b := offset(alertJSON("firing", "a.fn", "1", "")), offset(alertJSON("firing", "b.fn", "2", ""))
	if w := post(h, payload(a, b)); w.Code != 503 {
		t.Fatalf("control: a batch with b.fn unavailable is answered %d", w.Code)
	}
	clk.add(7400 * time.Millisecond)
	post(h, payload(a, b))
	if got := retryOf(t, sink, "a.fn"); !got.Equal(testTime) {
		t.Errorf("AlertManager's retry 7.4 s later of an alert whose startsAt is +05:30: RetryOf %v, want %v (first received)", got, testTime)
	}
}

// gatedSink blocks the n-th Notify of a.fn until its gate is closed, and
// answers ErrUnavailable for b.fn.
type gatedSink struct {
	recordingSink
	mu      sync.Mutex
	calls   int
	gates   map[int]chan struct{}
	entered map[int]chan struct{}
}

func (s *gatedSink) Notify(ctx context.Context, sig scaler.Signal) error {
	if sig.Ref.String() == "a.fn" {
		s.mu.Lock()
		n := s.calls
		s.calls++
		gate, entered := s.gates[n], s.entered[n]
		s.mu.Unlock()
		if gate != nil {
			close(entered)
			<-gate
		}
	}
	return s.recordingSink.Notify(ctx, sig)
}

// TestReview49ConcurrentCopiesKeepTheFirstReceipt: two copies of one
// notification in flight at once (HA peers, or AlertManager's retry while
// the first request is still being answered) each read the group's memo
// before either answered. The later one to answer replaces the entry with
// its own receipt time: the first copy's alert, stepped on at once, then
// comes back in the next retry with a RetryOf after that step, and steps
// again.
//
// Seen failing before the fix (answered merges with the entry held then):
// a.fn's RetryOf 2026-11-26 15:00:02, want 15:00:00.
func TestReview49ConcurrentCopiesKeepTheFirstReceipt(t *testing.T) {
	clk := &steppingClock{t: testTime}
	sink := &gatedSink{
		recordingSink: recordingSink{errs: map[string]error{"b.fn": scaler.ErrUnavailable}},
		gates:         map[int]chan struct{}{0: make(chan struct{}), 1: make(chan struct{})},
		entered:       map[int]chan struct{}{0: make(chan struct{}), 1: make(chan struct{})},
	}
	cfg := testConfig(sink, nil)
	cfg.Clock = clk
	cfg.Timeout = time.Minute
	h := newTestHandler(t, cfg)
	a, b := alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "b.fn", "2", "")

	codes := make(chan int, 2)
	go func() { codes <- post(h, payload(a, b)).Code }() // first copy, received at testTime
	<-sink.entered[0]
	clk.add(2 * time.Second)
	go func() { codes <- post(h, payload(a, b)).Code }() // second copy, received 2 s later
	<-sink.entered[1]
	close(sink.gates[0]) // the first copy is answered first
	if c := <-codes; c != 503 {
		t.Fatalf("control: first copy answered %d", c)
	}
	close(sink.gates[1])
	if c := <-codes; c != 503 {
		t.Fatalf("control: second copy answered %d", c)
	}
	clk.add(8 * time.Second)
	post(h, payload(a, b))
	if got := retryOf(t, &sink.recordingSink, "a.fn"); !got.Equal(testTime) {
		t.Errorf("the retry after two concurrent copies: a.fn's RetryOf %v, want %v (when the notification was first received)", got, testTime)
	}
}

// TestReview49RetryMemoryIsBoundedInBytes: the memo is bounded in groups
// (4096), not in bytes: each entry keeps its receiver and group key strings
// as sent, up to the body limit (1 MiB by default, 64 MiB at most). While
// the scaler answers 503 (provider down, not the leader) 4096 notifications
// with a 1 MiB group key pin 4 GiB. 16 of them must not pin 14 MiB.
//
// Seen failing before the fix (groups and alerts are kept as hashes, and
// alerts are bounded too, maxRetriedAlerts): 16 remembered groups with a
// 900 KiB group key pin 14492 KiB of heap.
func TestReview49RetryMemoryIsBoundedInBytes(t *testing.T) {
	sink := &recordingSink{all: scaler.ErrUnavailable}
	h := newTestHandler(t, testConfig(sink, nil))
	a := alertJSON("firing", "a.fn", "1", "")
	key := strings.Repeat("k", 900<<10)
	bodies := make([][]byte, 16)
	for i := range bodies {
		body := string(payload(a))
		bodies[i] = []byte(strings.Replace(body, `"groupKey":"{}:{}"`, fmt.Sprintf(`"groupKey":"{}:{n=\"%d\"}%s"`, i, key), 1))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, body := range bodies {
		if w := post(h, body); w.Code != 503 {
			t.Fatalf("control: answered %d, want 503: %s", w.Code, w.Body.String()[:200])
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := len(h.retries.groups); n != len(bodies) {
		t.Fatalf("control: %d groups remembered, want %d", n, len(bodies))
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > 2<<20 {
		t.Errorf("16 remembered groups with a 900 KiB group key pin %d KiB of heap; the memo's bound (maxRetriedGroups) is in groups, so %d of them pin %d MiB",
			grown>>10, maxRetriedGroups, int64(maxRetriedGroups)*(grown/int64(len(bodies)))>>20)
	}
	h.retries.mu.Lock()
	h.retries.groups = nil
	h.retries.mu.Unlock()
	var forgot runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&forgot)
	if freed := int64(after.HeapAlloc) - int64(forgot.HeapAlloc); freed < grown/2 {
		t.Logf("control: forgetting the groups freed only %d KiB of %d", freed>>10, grown>>10)
	}
	runtime.KeepAlive(bodies)
}

// TestReview49AlertAbsentFromOneRetryStaysARetry: AlertManager sends a
// notification again until one is answered 2xx; what each flush holds can
// change (max_alerts truncates the group's sorted alerts, so one joining
// pushes another out and back). An alert left out of one attempt answered
// 503 was forgotten: when it is back it is taken as a new notification and
// steps again, although AlertManager never acknowledged it.
//
// Seen failing before the fix (a 5xx keeps the group's alerts left out of
// the attempt): RetryOf 0001-01-01 00:00:00 +0000 UTC, want 15:00:00.
func TestReview49AlertAbsentFromOneRetryStaysARetry(t *testing.T) {
	h, sink, clk := retryingHandler(t)
	a, b, c := alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "b.fn", "2", ""), alertJSON("firing", "c.fn", "3", "")
	if w := post(h, payload(a, b)); w.Code != 503 {
		t.Fatalf("control: %d", w.Code)
	}
	clk.add(10 * time.Second)
	if w := post(h, payload(b, c)); w.Code != 503 { // a truncated out of this flush
		t.Fatalf("control: %d", w.Code)
	}
	clk.add(10 * time.Second)
	post(h, payload(a, b))
	if got := retryOf(t, sink, "a.fn"); !got.Equal(testTime) {
		t.Errorf("a.fn back in a later retry of the unacknowledged notification: RetryOf %v, want %v", got, testTime)
	}
}
