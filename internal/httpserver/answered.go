package httpserver

import (
	"context"
	"net"
	"net/http"
	"time"
)

// stateAnswered is an Active connection whose handler has returned: what is
// left of its request is net/http flushing the answer (and ending the
// connection or going idle). A client that does not read its answer keeps
// it there for up to the write timeout (30 s by default), outside the
// in-flight cap (the handler has returned; the probes are exempt anyway),
// and max_connections such clients, one request each, locked every new
// client out, the kubelet's probe included (found by a review). The
// listener evicts it after idle, header-less and lingering connections
// (oldestWaitingLocked). trackState leaves it at net/http's next state
// change (idle after the flush, or active for a next request).
const stateAnswered http.ConnState = 0xfe

// answeredGrace is how long a connection stays answered before the
// listener may evict it: net/http writes a small answer into the socket
// within microseconds of the handler's return, and a client that reads
// takes it, so an answered connection evicted at once lost answers to
// clients that read them, whenever an Accept waited at the cap (woken by
// the very mark). Well under the kubelet's 1 s probe timeout.
const answeredGrace = 250 * time.Millisecond

// connKey is the request-context key under which connContext puts the
// Listener's connection.
type connKey struct{}

// connContext is the server's ConnContext hook: every request on a
// Listener's connection carries it, for markAnswered.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*conn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// markAnswered marks the request's connection answered when the handler
// returns (panics included: net/http then ends the connection anyway).
// Before that the connection is Active and never evicted, whatever the
// handler does: a /metrics handler writing a large body to a slow reader
// blocks in its Write, still running, and keeps its write deadline whole.
// What eviction of an answered connection can lose is the part of the
// answer that net/http still holds (a few KiB of its write buffers and the
// chunked trailer; what reached the socket's send buffer is still sent
// before the FIN, unless the client's unread bytes make the close a reset,
// see conn.CloseWrite): that of a client that has not taken it within
// answeredGrace, evicted only at the cap when no idle, header-less or
// lingering connection is left, the one answered longest first. Write
// deadlines are left whole: below the cap a slow reader has all of it.
//
// The count of handlers running on the connection keeps the mark off while
// one still runs, should the connection ever carry several requests at
// once (HTTP/2); over HTTP/1.1 it is 0 or 1.
func markAnswered(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(connKey{}).(*conn)
		if c == nil {
			h.ServeHTTP(w, r)
			return
		}
		c.handlers.Add(1)
		defer func() {
			if c.handlers.Add(-1) == 0 {
				c.answered()
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// answered moves an Active connection to stateAnswered and wakes an Accept
// waiting at the cap, which then waits until it can evict it. Any other state is left: a
// hijacked connection belongs to its handler, a lingering one is further
// on, and one that net/http already moved on (idle, closed) is not waiting
// on its answer. The compare-and-swap keeps a concurrent trackState's
// newer state.
func (c *conn) answered() {
	for {
		v := c.state.Load()
		if http.ConnState(v>>56) != http.StateActive {
			return
		}
		if c.state.CompareAndSwap(v, stateWord(stateAnswered)) {
			c.l.wake()
			return
		}
	}
}
