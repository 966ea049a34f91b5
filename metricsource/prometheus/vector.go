package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// sample is one series of an instant query's vector, with the only labels
// the queries' answers carry that the source reads, decoded in place
// (answer.go). The client library's model.Vector decodes every series'
// labels into a map of its own: at 100,000 functions with an in-flight
// gauge each, a capacity pass's answer was a hundred thousand maps, 1.2 GB
// of allocation in three minutes, and the collections it forced took the
// controller over its memory goal.
type sample struct {
	Metric sampleLabels
	Value  pointJSON
}

type sampleLabels struct {
	FunctionName optString
	Part         string // the capacity parts query's part
	Counter      string // countersQuery's counter
	Check        string // coverageQuery's check
	Instance     string // StartedTotals' gateway instance (totals.go)
}

func (s *sample) fn() string     { return s.Metric.FunctionName.v }
func (s *sample) hasFn() bool    { return s.Metric.FunctionName.ok }
func (s *sample) value() float64 { return s.Value.v }

// at is the evaluation time.
func (s *sample) at() time.Time {
	whole, frac := math.Modf(s.Value.ts)
	return time.Unix(int64(whole), int64(math.Round(frac*1e9)))
}

// labels names the sample's labels for a log line.
func (s *sample) labels() string {
	var b strings.Builder
	b.WriteByte('{')
	add := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, v)
	}
	if s.hasFn() {
		add("function_name", s.fn())
	}
	add("part", s.Metric.Part)
	add("counter", s.Metric.Counter)
	add("check", s.Metric.Check)
	b.WriteByte('}')
	return b.String()
}

// optString is a label that may be absent (ok false), without a pointer
// allocated per series.
type optString struct {
	v  string
	ok bool
}

// pointJSON is a [timestamp, "value"] pair: the timestamp in seconds.
type pointJSON struct {
	ts, v float64
}

// maxErrorAnswer bounds what is read of an answer with a status other than
// 2xx: Prometheus' own errors are a line of JSON; a proxy's page is read
// only for as much as the message needs.
const maxErrorAnswer = 64 << 10

// queryEach runs one instant query at the server's now (POST, as the
// client library does) and hands each series of its vector to each as it
// is decoded, with the labels sample keeps; each must copy what it keeps,
// and what it made is to be dropped when queryEach fails (but for a
// *metricsource.PartialError: the answer was read whole, see partial.go). The client
// library's Client.Do reads an answer whole before it can be decoded,
// 9.5 MB at 100,000 series and twice that in the buffer's growth; and a
// list of the series decoded from it was 8.8 MB more (readers.go).
// Errors are the client library's kinds, so classify reads them alike: a
// query Prometheus rejected is a *v1.Error of its type.
func (s *Source) queryEach(ctx context.Context, expr string, each func(*sample)) error {
	return s.queryEachAt(ctx, expr, time.Time{}, each)
}

// queryEachAt is queryEach evaluated at at (zero: the server's now).
func (s *Source) queryEachAt(ctx context.Context, expr string, at time.Time, each func(*sample)) error {
	return s.queryNamedAt(ctx, expr, expr, at, each)
}

// errNarrowedRefused is queryNamedAt's answer to a narrowed query whose
// POST was refused: not sent as GET; the caller asks whole.
var errNarrowedRefused = errors.New("POST refused: a query narrowed to a few functions is asked again for all")

// queryNamedAt is queryEachAt sending text and naming it expr in its
// errors and logs, and remembering its answer's size under expr, unless
// the two differ: a query over a few functions (subset.go) sends their
// names, up to hundreds of kilobytes, which neither belongs in an error
// that becomes every function's reason nor is a key to keep.
func (s *Source) queryNamedAt(ctx context.Context, text, expr string, at time.Time, each func(*sample)) error {
	form := url.Values{"query": {text}}
	if !at.IsZero() {
		form.Set("time", at.UTC().Format(time.RFC3339Nano))
	}
	resp, err := s.post(ctx, form)
	if err == nil {
		switch resp.StatusCode {
		case http.StatusMethodNotAllowed, http.StatusForbidden, http.StatusNotImplemented:
			// A read-only proxy, or a Prometheus-compatible server, that
			// refuses POST: GET, as the client library falls back. A
			// query over a few functions is not narrowed from then on
			// (subset.go), and one that is never goes as GET: its names
			// in a URL can pass what the proxy takes (nginx: 8 KiB), and
			// a failed GET's error holds the URL. Its caller asks again
			// whole (errNarrowedRefused).
			s.postRefused.Store(true)
			drop(resp)
			if text != expr {
				return errNarrowedRefused
			}
			resp, err = s.get(ctx, form)
		}
	}
	if err != nil {
		return classify(err, expr)
	}
	defer drop(resp)
	ok := resp.StatusCode/100 == 2
	body := io.Reader(resp.Body)
	if !ok {
		body = io.LimitReader(body, maxErrorAnswer)
	}
	a, err := decodeAnswer(body, each)
	switch {
	case isReadFail(err):
		return classify(err, expr)
	case err != nil && !ok:
		return classify(&v1.Error{Type: v1.ErrServer, Msg: fmt.Sprintf("server answered %s", resp.Status)}, expr)
	case err != nil:
		return classify(&v1.Error{Type: v1.ErrBadResponse, Msg: err.Error()}, expr)
	}
	if a.status != "success" {
		typ := v1.ErrorType(a.errorType)
		if typ == "" {
			typ = v1.ErrServer
		}
		return classify(&v1.Error{Type: typ, Msg: a.errMsg}, expr)
	}
	if a.resultType == "" {
		return classify(&v1.Error{Type: v1.ErrBadResponse, Msg: "no data in a successful answer"}, expr)
	}
	if a.resultType != "vector" {
		// A well-formed answer of another type is the query's fault, not
		// the server's.
		return fmt.Errorf("query %s: got a %s, want a vector", expr, a.resultType)
	}
	if a.other {
		return classify(&v1.Error{Type: v1.ErrBadResponse, Msg: "a vector's result is not a list of series"}, expr)
	}
	// Checked once the answer is known to be well formed, so a malformed
	// one is still named as such; its series, handed on already, are
	// dropped with the error (readers.go).
	if err := s.checkComplete(expr, a.warnings, a.partial); err != nil {
		return err
	}
	if text == expr {
		s.hints.set(expr, a.series)
	}
	return nil
}

// drop reads what little may be left of an answer, so its connection can
// be kept, and closes it.
func drop(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	_ = resp.Body.Close()
}

// post sends the query form as POST. The Idempotency-Key header (set to
// nil: present, not sent) lets net/http replay the request on a fresh
// connection when a kept-alive one was closed under it, as it does for the
// client library's queries: an instant query changes nothing.
func (s *Source) post(ctx context.Context, form url.Values) (*http.Response, error) {
	u := s.client.URL("/api/v1/query", nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["Idempotency-Key"] = nil
	return s.http.Do(req)
}

// get sends the query form as GET.
func (s *Source) get(ctx context.Context, form url.Values) (*http.Response, error) {
	u := s.client.URL("/api/v1/query", nil)
	u.RawQuery = form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	return s.http.Do(req)
}

// sizeHints remembers how many series each query's last answer had, so
// the next one's values are read into maps made for them (readers.go),
// not grown one by one from empty.
type sizeHints struct {
	mu sync.Mutex
	n  map[string]int // by query text
}

func (h *sizeHints) get(expr string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.n[expr]
	return n + n/32 // room for a few functions more
}

func (h *sizeHints) set(expr string, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n = map[string]int{}
	}
	h.n[expr] = n
}
