package alerts

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// steppingClock is a clock.Clock the test moves.
type steppingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *steppingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *steppingClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
func (c *steppingClock) NewTicker(time.Duration) clock.Ticker { panic("the handler never ticks") }

// retryOf is the RetryOf of the last signal the sink took for fn.
func retryOf(t *testing.T, s *recordingSink, fn string) time.Time {
	t.Helper()
	got := s.got()
	for i := len(got) - 1; i >= 0; i-- {
		if got[i].Ref.String() == fn {
			return got[i].RetryOf
		}
	}
	t.Fatalf("no signal for %s", fn)
	return time.Time{}
}

// retryingHandler is a handler on a clock the test moves, over a sink that
// takes every alert but b.fn's (unavailable: its batches are answered 503).
func retryingHandler(t *testing.T) (*Handler, *recordingSink, *steppingClock) {
	t.Helper()
	clk := &steppingClock{t: testTime}
	sink := &recordingSink{errs: map[string]error{"b.fn": scaler.ErrUnavailable}}
	cfg := testConfig(sink, nil)
	cfg.Clock = clk
	return newTestHandler(t, cfg), sink, clk
}

// withVersion rewrites payload's version ("" removes it).
func withVersion(body []byte, v string) []byte {
	to := `"version":"` + v + `",`
	if v == "" {
		to = ""
	}
	return bytes.Replace(body, []byte(`"version":"4",`), []byte(to), 1)
}

// TestRetriedNotificationsAlertsCarryWhenTheyWereFirstReceived: the alerts
// of an AlertManager notification answered 503 come back in its retries
// with RetryOf, the time each was first received in it, however often it
// is retried; an alert new to the group in a retry has none until then. A
// 2xx ends the delivery: the group's next notification is a new one. Grafana
// does not retry, and a sender without a version is not known to: theirs
// never carry RetryOf.
func TestRetriedNotificationsAlertsCarryWhenTheyWereFirstReceived(t *testing.T) {
	h, sink, clk := retryingHandler(t)
	a, b, c := alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "b.fn", "2", ""), alertJSON("firing", "c.fn", "3", "")

	if w := post(h, payload(a, b)); w.Code != 503 {
		t.Fatalf("control: a batch with b.fn unavailable is answered %d", w.Code)
	}
	if got := retryOf(t, sink, "a.fn"); !got.IsZero() {
		t.Errorf("a first delivery carries RetryOf %v", got)
	}
	clk.add(7400 * time.Millisecond)
	post(h, payload(a, b))
	if got := retryOf(t, sink, "a.fn"); !got.Equal(testTime) {
		t.Errorf("AlertManager's retry 7.4 s later: a.fn's RetryOf %v, want %v (first received)", got, testTime)
	}
	clk.add(10 * time.Second) // the next group_interval, c.fn joined the group
	post(h, payload(a, b, c))
	if got := retryOf(t, sink, "a.fn"); !got.Equal(testTime) {
		t.Errorf("the group_interval's retry: a.fn's RetryOf %v, want still %v", got, testTime)
	}
	if got := retryOf(t, sink, "c.fn"); !got.IsZero() {
		t.Errorf("c.fn, new to the notification, carries RetryOf %v", got)
	}
	joined := clk.Now()
	clk.add(10 * time.Second)
	post(h, payload(a, b, c))
	if got := retryOf(t, sink, "c.fn"); !got.Equal(joined) {
		t.Errorf("c.fn in the next retry: RetryOf %v, want %v", got, joined)
	}

	delete(sink.errs, "b.fn")
	clk.add(10 * time.Second)
	if w := post(h, payload(a, b, c)); w.Code != 200 {
		t.Fatalf("control: every alert taken: %d", w.Code)
	}
	clk.add(30 * time.Second) // AlertManager's repeat of an acknowledged notification
	post(h, payload(a, b, c))
	for _, fn := range []string{"a.fn", "b.fn", "c.fn"} {
		if got := retryOf(t, sink, fn); !got.IsZero() {
			t.Errorf("after a 200, the group's next notification: %s carries RetryOf %v, want none", fn, got)
		}
	}

	for _, v := range []string{GrafanaWebhookVersion, ""} {
		sink.errs["b.fn"] = scaler.ErrUnavailable
		post(h, withVersion(payload(a, b), v))
		clk.add(10 * time.Second)
		post(h, withVersion(payload(a, b), v))
		if got := retryOf(t, sink, "a.fn"); !got.IsZero() {
			t.Errorf("version %q: a second notification after a 503 carries RetryOf %v; only AlertManager retries", v, got)
		}
	}
}

// TestRetriedGroupsAreBounded: the groups remembered are at most
// maxRetriedGroups and their alerts at most maxRetriedAlerts; past either
// the group answered longest ago goes first, and a group not answered 5xx
// for retryMemory is not a retry any more.
func TestRetriedGroupsAreBounded(t *testing.T) {
	var r retries
	in := instance(7)
	at := testTime
	for i := range maxRetriedGroups + 1 {
		r.answered(groupOfKey("scaler", fmt.Sprint(i)), 503, []instance{in}, at.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(r.groups); n != maxRetriedGroups || r.alerts != maxRetriedGroups {
		t.Errorf("%d groups remembered holding %d alerts, want %d and %d", n, r.alerts, maxRetriedGroups, maxRetriedGroups)
	}
	now := at.Add(time.Minute)
	if r.of(groupOfKey("scaler", "0"), now) != nil {
		t.Error("the group answered longest ago is still remembered past the bound")
	}
	if got := r.of(groupOfKey("scaler", "1"), now)[in]; !got.Equal(at.Add(time.Millisecond)) {
		t.Errorf("group 1: first received %v", got)
	}
	if r.of(groupOfKey("scaler", "1"), at.Add(retryMemory+time.Second)) != nil {
		t.Error("a group answered 5xx more than retryMemory ago is still a retry")
	}
	r.answered(groupOfKey("scaler", "1"), 200, []instance{in}, now)
	// A 200 ends the delivery once an HA peer's copy could not still come
	// (peerGrace, review 51): still a retry within it, not after.
	if r.of(groupOfKey("scaler", "1"), now.Add(peerGrace)) == nil {
		t.Error("a peer's copy right after the 200 is not taken for the same delivery")
	}
	if r.of(groupOfKey("scaler", "1"), now.Add(peerGrace+time.Second)) != nil {
		t.Error("a 200 did not end the group's delivery")
	}
	if r.of(groupOfKey("scaler", "2"), now) == nil {
		t.Error("group 2 lost")
	}
	// One group with more alerts than the bound: the others go first, and
	// it keeps maxRetriedAlerts of them.
	many := make([]instance, maxRetriedAlerts+10)
	for i := range many {
		many[i] = instance(i + 1)
	}
	r.answered(groupOfKey("scaler", "big"), 503, many, now)
	if len(r.groups) != 1 || r.alerts != maxRetriedAlerts || len(r.of(groupOfKey("scaler", "big"), now)) != maxRetriedAlerts {
		t.Errorf("a group of %d alerts: %d groups holding %d alerts, want 1 holding %d", len(many), len(r.groups), r.alerts, maxRetriedAlerts)
	}
	if r.of(groupOfKey("other", "big"), now) != nil {
		t.Error("the receiver is not part of the group's name")
	}
}
