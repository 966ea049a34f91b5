package openfaas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// maxReplyBody bounds a successful reply unless the call sets its own
// (call.maxBody): a list of 10k functions with labels and annotations is a
// few MiB, so this is far above any real reply while still refusing a
// runaway stream.
const maxReplyBody = 64 << 20

// call is one logical API call, repeated on transport errors and 5xx unless
// it is sent once.
type call struct {
	op     string
	ref    provider.Ref
	method string
	path   []string // segments after the gateway URL's path, unescaped
	query  url.Values
	body   []byte // sent with Content-Type application/json when not nil
	// once: never repeated. A scale is sent once: after a transport error
	// or a 5xx the request may have landed, and someone (the gateway's
	// scale-from-zero) may have changed the count since; the same absolute
	// count sent again would undo that change.
	once bool
	// stream, when set, reads a 2xx reply's body as it arrives instead of
	// the body being buffered first: a listing of 100,000 functions is tens
	// of MB, which io.ReadAll's doubling and a decode of the whole buffer
	// held about three times over. Called once per attempt that got a 2xx,
	// so it must start its result over.
	stream func(io.Reader) error
	// statusOnly: a 2xx reply's status is all the call uses (a scale), so
	// its body is not waited for (see attempt).
	statusOnly bool
	// maxBody bounds a 2xx reply's body (0: maxReplyBody), for a call
	// whose replies are far smaller than a listing (/system/info). A
	// larger body fails the attempt, as a transport error does.
	maxBody int64
}

// bodyLimit is the most bytes of a 2xx reply c reads.
func (c call) bodyLimit() int64 {
	if c.maxBody > 0 {
		return c.maxBody
	}
	return maxReplyBody
}

// tooLargeError is a 2xx reply whose body is above the call's bound. It is
// final, not retried as a transport error is: the same request gets the
// same body (a listing grown past the bound, a gateway streaming without
// end), and each retry read and decoded the whole bound again.
type tooLargeError struct{ limit int64 }

func (e tooLargeError) Error() string { return fmt.Sprintf("reply larger than %d bytes", e.limit) }

// reply is the last answer of a call.
type reply struct {
	status   int
	body     []byte
	attempts int
	endpoint string // method and path with query, for messages
	// streamErr is the stream's error for a body it could not decode (body
	// then holds the body's start, for the message).
	streamErr error
	// auth is the basic auth the request was sent with (nil: none).
	auth *basicAuth
}

// do sends c until it gets a reply that is not a 5xx, retries are spent or ctx
// ends (c.once: one attempt). A 5xx after the last retry is returned as a
// reply (the caller turns it into a *StatusError); a transport error after
// the last retry, or ctx ending, is returned as an error naming the endpoint.
func (cl *Client) do(ctx context.Context, c call) (reply, error) {
	u := cl.base.JoinPath(c.path...)
	u.RawQuery = c.query.Encode()
	endpoint := c.method + " " + u.RequestURI()
	retries := cl.cfg.Retries
	if c.once {
		retries = 0
	}
	var lastErr error
	reauthed := false
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			wait := cl.backoff(attempt)
			cl.log.DebugContext(ctx, "retrying provider call",
				"op", c.op, "target", target(c.op, c.ref), "attempt", attempt+1,
				"backoff", wait, "cause", lastErr)
			if err := clock.Sleep(ctx, clock.Real(), wait); err != nil {
				return reply{}, fmt.Errorf("openfaas %s %s: %s: %w (attempts: %d, last: %v)",
					c.op, target(c.op, c.ref), endpoint, err, attempt, lastErr)
			}
		}
		r, err := cl.attempt(ctx, c, u)
		r.attempts, r.endpoint = attempt+1, endpoint
		if err == nil && r.status == http.StatusUnauthorized && !reauthed && cl.credentialsChanged(ctx, r.auth) {
			// Refused before it was acted on, so even a scale may be sent
			// again: once, at once, not counted as a retry.
			reauthed = true
			attempt--
			continue
		}
		switch {
		case err != nil && ctx.Err() != nil:
			// The caller gave up: report that, not the transport symptom.
			return reply{}, fmt.Errorf("openfaas %s %s: %s: %w", c.op, target(c.op, c.ref), endpoint, context.Cause(ctx))
		case err != nil:
			lastErr = err
		// 501 is a provider without the feature (Namespaces' fallback): the
		// same request cannot fare better, so it is a final reply.
		case r.status >= 500 && r.status != http.StatusNotImplemented:
			lastErr = fmt.Errorf("HTTP %d", r.status)
			if attempt >= retries {
				return r, nil
			}
			continue
		default:
			return r, nil
		}
		var redirect redirectError
		switch {
		case errors.As(lastErr, &redirect):
			return reply{}, fmt.Errorf("openfaas %s %s: %s: %w (not retried: fix the gateway URL)",
				c.op, target(c.op, c.ref), endpoint, redirect)
		case errors.As(lastErr, new(tooLargeError)):
			return reply{}, fmt.Errorf("openfaas %s %s: %w (not retried: the same request gets the same reply)",
				c.op, target(c.op, c.ref), lastErr)
		case c.once && c.op == OpScale:
			return reply{}, fmt.Errorf("openfaas %s %s: no reply (a scale is sent once, not retried): %w",
				c.op, target(c.op, c.ref), lastErr)
		case c.once:
			// Reads sent once (/system/info, the check that a function
			// is gone) are not scales, and said they were.
			return reply{}, fmt.Errorf("openfaas %s %s: no reply (sent once, not retried): %w",
				c.op, target(c.op, c.ref), lastErr)
		case attempt >= retries:
			return reply{}, fmt.Errorf("openfaas %s %s: no reply after %d attempts: %w",
				c.op, target(c.op, c.ref), attempt+1, lastErr)
		}
	}
}

// attempt sends one request with its own timeout and reads the reply body.
// A call sent once under a caller's deadline has that deadline alone: the
// attempt's own timeout is there so that a retry after a hung attempt gets
// a budget of its own, and a call sent once has no retry. Cut at Timeout
// (5 s), every scale the gateway took longer to answer failed whatever
// actuator.call_timeout, the actuator's bound on each write, said. (The
// /system/info read, sent once too, comes with a deadline of its own: see
// infoContext.)
func (cl *Client) attempt(ctx context.Context, c call, u *url.URL) (reply, error) {
	// cancel ends the request, and with it a reply body that stalls
	// (statusOnly below).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, bounded := ctx.Deadline(); !c.once || !bounded {
		var cancelTimeout context.CancelFunc
		ctx, cancelTimeout = context.WithTimeout(ctx, cl.cfg.Timeout)
		defer cancelTimeout()
	}
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u.String(), body)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Accept", "application/json")
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	auth := cl.auth.Load()
	if auth != nil {
		req.SetBasicAuth(auth.user, auth.pass)
	}
	resp, err := cl.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	if c.statusOnly && success(resp.StatusCode) {
		// The status decides. A body that stalls after "202 Accepted" (a
		// proxy in front of the gateway) held the scale to the caller's
		// deadline, and a scale that landed was reported failed. What
		// arrives within statusOnlyDrain is drained, so that the
		// keep-alive connection is kept (a real provider's reply is
		// empty); then the request is ended and the body closed.
		stop := time.AfterFunc(statusOnlyDrain, cancel)
		drainClose(resp.Body)
		stop.Stop()
		return reply{status: resp.StatusCode, auth: auth}, nil
	}
	defer drainClose(resp.Body)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Not followed (see noRedirects): the gateway URL is not where
		// the API is served.
		return reply{}, redirectError{status: resp.StatusCode, location: location(resp)}
	}
	if c.stream != nil && success(resp.StatusCode) {
		return streamReply(c, resp)
	}
	limit := c.bodyLimit()
	if resp.StatusCode >= 300 {
		limit = 4 * maxErrorBody // only the start goes into the error
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return reply{}, fmt.Errorf("read reply: %w", err)
	}
	if int64(len(b)) > limit {
		if resp.StatusCode < 300 {
			return reply{}, tooLargeError{limit}
		}
		b = b[:limit]
	}
	return reply{status: resp.StatusCode, body: b, auth: auth}, nil
}

// statusOnlyDrain is how long a statusOnly call's 2xx reply body is
// drained before the request is ended: an empty or small body is in at
// once, and a stalled one costs this, not the caller's deadline.
const statusOnlyDrain = 100 * time.Millisecond

// redirectError is a 3xx answer. The client follows no redirect (see
// noRedirects): net/http turns a redirected POST into a GET without its
// body, so a scale redirected to an auth proxy's sign-in page took the
// page's 200 for success while nothing was scaled, and it sends the basic
// auth on to a redirect on the same host whatever the scheme, so https
// redirected to http sent the password in clear (a review's finding).
// Final, not retried: the same request gets the same redirect.
type redirectError struct {
	status   int
	location string // the Location header, resolved and fit for a message; "" when absent
}

func (e redirectError) Error() string {
	to := "no Location"
	if e.location != "" {
		to = e.location
	}
	return fmt.Sprintf("answered HTTP %d %s, a redirect to %s: not followed, and the credentials and request not sent there; "+
		"the gateway URL should be the address that serves the API (a sign-in page is an auth proxy in front of it)",
		e.status, http.StatusText(e.status), to)
}

// location is resp's Location resolved against the request's URL, shown as
// errorBody shows a body (it is the server's text).
func location(resp *http.Response) string {
	if u, err := resp.Location(); err == nil {
		return errorBody([]byte(u.Redacted()))
	}
	return errorBody([]byte(resp.Header.Get("Location")))
}

// maxDrain bounds what is read and discarded of a reply body the client
// has finished with (an error reply beyond the start its message keeps).
// net/http reuses a keep-alive connection only when the body was read to
// its end, so an error page of a few KiB cost a new connection (with TLS, a
// handshake) per call; a larger rest costs the new connection, not the time
// to read it.
const maxDrain = 64 << 10

// drainClose reads what is left of body, up to maxDrain, and closes it.
// The read is bounded in time too: the attempt's timeout still applies.
func drainClose(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, maxDrain)
	_ = body.Close()
}

// backoff returns the sleep before the given retry (attempt ≥ 1): uniform in
// [0, BackoffBase·2^(attempt-1)), the bound capped at maxBackoff.
func (cl *Client) backoff(attempt int) time.Duration {
	bound := cl.cfg.BackoffBase
	for i := 1; i < attempt && bound < maxBackoff; i++ {
		bound *= 2
	}
	bound = min(bound, maxBackoff)
	r := cl.rand()
	if r < 0 || r >= 1 { // a broken injected source must not stall or panic
		r = 0
	}
	return time.Duration(r * float64(bound))
}

// streamReply hands a 2xx reply's body to c.stream. A read error is the
// transport's (retried, as a failed io.ReadAll is); a body the stream
// cannot decode is the reply's streamErr, with the body's start kept.
func streamReply(c call, resp *http.Response) (reply, error) {
	limit := c.bodyLimit()
	body := &headReader{r: io.LimitReader(resp.Body, limit+1)}
	err := c.stream(body)
	switch {
	case body.n > limit:
		return reply{}, tooLargeError{limit}
	case body.err != nil:
		return reply{}, fmt.Errorf("read reply: %w", body.err)
	}
	return reply{status: resp.StatusCode, body: body.head, streamErr: err}, nil
}

// headReader reads r, counting the bytes, keeping the first maxErrorBody
// of them for messages and the first read error other than EOF.
type headReader struct {
	r    io.Reader
	n    int64
	head []byte
	err  error
}

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	if keep := min(n, maxErrorBody-len(h.head)); keep > 0 {
		h.head = append(h.head, p[:keep]...)
	}
	if err != nil && err != io.EOF && h.err == nil {
		h.err = err
	}
	return n, err
}

// decode parses a successful JSON reply into v, naming the endpoint when the
// provider answered something that is not the expected JSON.
func decode(c call, r reply, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("openfaas %s %s: %s answered %d with a body that is not the expected JSON (%v): %q",
			c.op, target(c.op, c.ref), r.endpoint, r.status, err, errorBody(r.body))
	}
	return nil
}

func defaultRand() float64 { return rand.Float64() }
