package httpserver

import (
	"net/http"
	"testing"
	"time"
)

// TestReview52TConnectionAnsweredJustAfterAcceptReadTheClockIsNotEvicted:
// Accept reads the clock (stamp) under l.mu and then walks the
// connections, while a handler returning on another goroutine marks its
// connection answered (conn.answered, without l.mu) with a stamp taken a
// moment later. That connection has been answered for no time at all; it
// must wait answeredGrace like any other (the grace is what keeps a client
// that reads its answer from losing it: the commit's "3 of 30 runs"). The
// modular age (now - since) & stampMask turns "1 µs in the future" into
// 2^56 ns (about 2.3 years), so it is evicted at once instead.
func TestReview52TConnectionAnsweredJustAfterAcceptReadTheClockIsNotEvicted(t *testing.T) {
	l := Wrap(nil, 1)
	now := int64(10 * time.Second) // Accept's stamp()
	c := &conn{l: l}
	// The handler returned 1 µs after Accept read the clock.
	c.state.Store(uint64(stateAnswered)<<56 | uint64(now+int64(time.Microsecond)))
	l.conns[c] = struct{}{}
	victim, due := l.oldestWaitingLocked(now)
	if victim != nil {
		st, since := victim.get()
		t.Fatalf("a connection answered 1µs after Accept's clock read (state %v, age %v) was chosen for eviction at once; want none, due about %v",
			st, time.Duration((now-since)&stampMask), answeredGrace)
	}
	if due <= 0 || due > answeredGrace+time.Microsecond {
		t.Fatalf("due %v; want about %v", due, answeredGrace)
	}
}

// TestReview52TIdleJustNowIsNotTakenForTheOldest: the same wrap among idle
// connections: one that went idle a moment after Accept read the clock is
// the newest idle one, not the oldest; the oldest idle (the one that has
// waited longest without a request, the listener's documented choice) is
// evicted first.
func TestReview52TIdleJustNowIsNotTakenForTheOldest(t *testing.T) {
	l := Wrap(nil, 2)
	now := int64(10 * time.Second)
	old := &conn{l: l}
	old.state.Store(uint64(http.StateIdle)<<56 | uint64(now-int64(5*time.Second)))
	justNow := &conn{l: l}
	justNow.state.Store(uint64(http.StateIdle)<<56 | uint64(now+int64(time.Microsecond)))
	l.conns[old], l.conns[justNow] = struct{}{}, struct{}{}
	if victim, _ := l.oldestWaitingLocked(now); victim != old {
		t.Fatalf("evicted the connection idle for 0 s, not the one idle for 5 s")
	}
}
