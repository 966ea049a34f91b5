package httpserver

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// dropUnreadBody ends the connection of a request whose handler answered
// without reading the body it declared, instead of letting net/http read up
// to 256 KiB of it to keep the connection: that read ran on the
// connection's goroutine after the handler returned (or inside its first
// write), outside the in-flight cap, with the connection active, which the
// listener never evicts, for up to the read timeout. A client sending
// "GET /healthz" with "Content-Length: 1000" and no body held a slot of
// the connection cap for 30 s, and max_connections of them locked every new
// client out, the kubelet's probe included (found by a review). A read
// deadline set to now before the answer goes out makes that read fail at
// once, and net/http closes the connection after the answer.
func dropUnreadBody(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		// A copy of the request reads through the tracker; net/http's own
		// request keeps its body, whose state it checks after the answer.
		b := &eofTracker{ReadCloser: r.Body}
		r2 := r.WithContext(r.Context())
		r2.Body = b
		dw := &dropWriter{ResponseWriter: w, body: b}
		h.ServeHTTP(dw, r2)
		dw.drop()
	})
}

// eofTracker notes when the body has been read to its end.
type eofTracker struct {
	io.ReadCloser
	eof bool
}

func (t *eofTracker) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		t.eof = true
	}
	return n, err
}

// dropWriter sets the read deadline before the answer's first byte, when
// net/http reads what is left of the body.
type dropWriter struct {
	http.ResponseWriter
	body    *eofTracker
	dropped bool
}

func (d *dropWriter) drop() {
	if d.dropped {
		return
	}
	d.dropped = true
	if !d.body.eof {
		_ = http.NewResponseController(d.ResponseWriter).SetReadDeadline(time.Now())
	}
}

func (d *dropWriter) WriteHeader(code int) {
	d.drop()
	d.ResponseWriter.WriteHeader(code)
}

func (d *dropWriter) Write(p []byte) (int, error) {
	d.drop()
	return d.ResponseWriter.Write(p)
}

// Flush keeps http.Flusher for the handlers that stream.
func (d *dropWriter) Flush() {
	d.drop()
	_ = http.NewResponseController(d.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (d *dropWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
