package httpserver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Listener caps the connections open at once. At the cap it does not stop
// accepting, as a plain semaphore would (then 20,000 idle keep-alive
// connections held by one client lock AlertManager out until they time
// out); it closes the connection that has waited longest without a request
// in progress (idle keep-alive, or opened and no header yet) and accepts the
// new one. A connection whose request is answered and that only waits out
// net/http's close delay (see conn.CloseWrite) is evicted too, after those,
// and last one whose handler has returned while net/http still writes the
// answer to a client that does not read it (stateAnswered). Only when every
// connection has a handler running does Accept wait for one to end; the
// in-flight cap (LimitInFlight) keeps that short.
//
// The request state comes from the server's ConnState and ConnContext
// hooks and its handler wrapper (markAnswered), which New sets; with a
// server built otherwise no connection counts as idle and the listener
// degrades to a plain cap.
type Listener struct {
	net.Listener
	max int

	mu    sync.Mutex
	n     int // open connections (those Accept returned, not yet closed)
	conns map[*conn]struct{}

	freed     chan struct{} // a connection closed or went idle (buffered 1: a wake-up, not a count)
	done      chan struct{}
	closeOnce sync.Once
	evicted   atomic.Uint64
}

// Listen listens on addr (TCP) with at most maxConns connections open at
// once; maxConns 0 means no cap (the connections are still tracked).
//
// addr "fd:N" serves on the listening socket inherited as file descriptor
// N (N ≥ 3) instead of binding one: a test harness binds 127.0.0.1:0 itself
// and passes the socket, so no other process can take the port between a
// "free port" probe and the controller's bind, and a controller restarted
// on the same socket keeps its address.
func Listen(addr string, maxConns int) (*Listener, error) {
	if rest, ok := strings.CutPrefix(addr, "fd:"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 3 {
			return nil, fmt.Errorf("listen %s: want fd:N with N ≥ 3 (an inherited listening socket)", addr)
		}
		f := os.NewFile(uintptr(n), "listener-fd-"+rest)
		ln, err := net.FileListener(f)
		_ = f.Close() // FileListener dups the descriptor
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", addr, err)
		}
		return Wrap(ln, maxConns), nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return Wrap(ln, maxConns), nil
}

// Wrap caps ln (an inherited or test listener) as Listen does.
func Wrap(ln net.Listener, maxConns int) *Listener {
	return &Listener{
		Listener: ln, max: maxConns,
		conns: map[*conn]struct{}{},
		freed: make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
}

// Evicted counts the connections closed to make room for new ones.
func (l *Listener) Evicted() uint64 { return l.evicted.Load() }

// Open is the number of connections open now.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Accept waits for a connection and then makes room for it (evicting the
// longest-waiting connection without a request, if there is one, else
// waiting for one to close).
//
// The room is made after the connection arrives, never for it ahead: net/http
// calls Accept again as soon as it has a connection, and a slot taken ahead
// then filled the cap at once, so the next Accept evicted the connection
// just accepted, before its request was read (with max_connections 1 every
// request failed; with max_in_flight at the cap every new client was reset
// while the others were busy).
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &conn{Conn: c, l: l}
	tc.setState(http.StateNew)
	for {
		l.mu.Lock()
		if l.max <= 0 || l.n < l.max {
			l.n++
			l.conns[tc] = struct{}{}
			l.mu.Unlock()
			return tc, nil
		}
		victim, due := l.oldestWaitingLocked(stamp()) // tc is not among them yet
		l.mu.Unlock()
		if victim != nil {
			l.evicted.Add(1)
			_ = victim.Close()
			continue
		}
		// An answered connection becomes evictable after answeredGrace
		// with nothing to wake this wait: look again then.
		var timer *time.Timer
		var answeredDue <-chan time.Time
		if due > 0 {
			timer = time.NewTimer(due)
			answeredDue = timer.C
		}
		select {
		case <-l.freed:
		case <-answeredDue:
		case <-l.done:
			_ = c.Close()
			return nil, net.ErrClosed
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// Close stops accepting; open connections stay with their server.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *Listener) release() {
	l.mu.Lock()
	l.n--
	l.mu.Unlock()
	l.wake()
}

// wake tells an Accept waiting at the cap to look again: a connection
// closed, or one went idle and can be evicted.
func (l *Listener) wake() {
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// oldestWaitingLocked is the connection with no request in progress that has
// been so the longest, or nil, at now (stamp). Idle and header-less
// connections go before lingering ones (answered, waiting out the close
// delay): closing those loses no answer, closing a lingering one can (see
// conn.CloseWrite). Among lingering ones, the one that has lingered longest
// has had the most time for its answer to be acknowledged and read.
// Answered ones (handler returned, net/http still writing the answer:
// stateAnswered) go last, once answered for answeredGrace, the one answered
// longest first; closing one loses what net/http has not written yet. A
// connection whose handler is running is never chosen. With no victim, due
// is how long until the first answered one becomes evictable (0: none).
func (l *Listener) oldestWaitingLocked(now int64) (victim *conn, due time.Duration) {
	var bestRank, bestAge int64
	for c := range l.conns {
		st, since := c.get()
		// Modular: the stamps wrap at 56 bits (and are far from 0 in a
		// synctest bubble, whose clock is not the process's).
		// The 56-bit difference read signed: a connection stamped after
		// now (a handler returning on another goroutine while this walk
		// runs) is "just now", not 2^56 ns old (a review's finding: it
		// skipped the grace and was closed mid-answer).
		age := max(((now-since)<<8)>>8, 0)
		var rank int64
		switch st {
		case http.StateIdle, http.StateNew:
			rank = 0
		case stateLingering:
			rank = 1
		case stateAnswered:
			if c.handlers.Load() > 0 {
				continue
			}
			if wait := answeredGrace - time.Duration(age); wait > 0 {
				if due == 0 || wait < due {
					due = wait
				}
				continue
			}
			rank = 2
		default:
			continue
		}
		if victim == nil || rank < bestRank || rank == bestRank && age > bestAge {
			victim, bestRank, bestAge = c, rank, age
		}
	}
	if victim != nil {
		due = 0
	}
	return victim, due
}

// stateLingering is a connection whose request is over and answered, that
// net/http has half-closed and holds only for its close delay. Not one of
// net/http's states; it fits the 8 bits conn.state keeps for one.
const stateLingering http.ConnState = 0xff

// conn is an accepted connection that knows its request state.
type conn struct {
	net.Conn
	l     *Listener
	state atomic.Uint64 // http.ConnState<<56 | monotonic nanoseconds since epoch of the process
	// handlers running on the connection's requests (markAnswered): one
	// still running keeps it unevictable whatever the state says.
	handlers atomic.Int32
	once     sync.Once
}

var epoch = time.Now()

func (c *conn) setState(s http.ConnState) {
	c.state.Store(stateWord(s))
}

// stateWord is conn.state for s entered now.
func stateWord(s http.ConnState) uint64 {
	return uint64(s)<<56 | uint64(stamp())
}

const stampMask = 1<<56 - 1

// stamp is now as conn.state keeps it.
func stamp() int64 { return time.Since(epoch).Nanoseconds() & stampMask }

func (c *conn) get() (http.ConnState, int64) {
	v := c.state.Load()
	return http.ConnState(v >> 56), int64(v & stampMask)
}

// Close closes once and frees the connection's slot.
func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
		c.l.release()
	})
	return err
}

// CloseWrite half-closes the connection where the socket can (TCP). net/http
// looks for it on the connection when it refuses a request it will not read
// to the end (headers over MaxHeaderBytes; a body refused unread, as the
// webhook refuses a batch over its limit): a FIN after the answer, 500 ms for
// the client to read it, then the close. Hidden by the embedding, no FIN went,
// and the close sent a reset over the client's unread bytes, which a client
// that had not read the answer yet lost with it.
//
// net/http calls it with the request answered and flushed, then sleeps its
// close delay (500 ms) with the connection still StateActive before the
// close. It marks the connection lingering, which the listener may evict,
// and wakes an Accept waiting at the cap: 500 ms unevictable, a client that
// declares a body and sends none (any path, 60 bytes) pinned a slot for as
// long per request, and max_connections such clients, reconnecting, kept the
// kubelet's probe waiting (found by a review). Only an Active connection is
// marked (or an answered one, see stateAnswered): a hijacked one belongs to
// its handler.
//
// What eviction can lose: the close it makes is the one net/http would have
// made 500 ms later, so only that delay is cut short. The answer is in the
// socket's send buffer and the FIN follows it; but a close with the
// client's unread bytes still queued (the body it is still sending) sends a
// reset, which discards what the client's stack has not acknowledged yet,
// and, on stacks that drop received data on a reset, what the client has
// not read yet. The delay is there to make that unlikely; eviction takes it
// away only for a lingering connection, at the cap, when no idle or
// header-less one is left to close, and then the one that has lingered
// longest (oldestWaitingLocked), rather than make every new client, the
// probe too, wait it out.
func (c *conn) CloseWrite() error {
	err := errors.ErrUnsupported
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		err = cw.CloseWrite()
	}
	// After the FIN, so that an eviction cannot close before it went. The
	// handler has returned by now, so the connection is normally answered.
	if st, _ := c.get(); st == http.StateActive || st == stateAnswered {
		c.setState(stateLingering)
		c.l.wake()
	}
	return err
}

// trackState is the server's ConnState hook: it tells the listener which
// connections are between requests. A connection going idle wakes an Accept
// waiting at the cap, which can now evict it: woken only by a close, it
// waited for the idle timeout (a minute) or for ever with keep-alive
// clients, accepting nothing, the kubelet's probe included, where every
// connection had had a request in progress (max_in_flight 0 or at the cap).
func trackState(c net.Conn, s http.ConnState) {
	if tc, ok := c.(*conn); ok {
		tc.setState(s)
		if s == http.StateIdle {
			tc.l.wake()
		}
	}
}
