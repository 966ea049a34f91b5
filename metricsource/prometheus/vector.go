package prometheus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// sample is one series of an instant query's vector, with the only labels
// the queries' answers carry that the source reads, decoded in place. The
// client library's model.Vector decodes every series' labels into a map of
// its own: at 100,000 functions with an in-flight gauge each, a capacity
// pass's answer was a hundred thousand maps, 1.2 GB of allocation in three
// minutes, and the collections it forced took the controller over its
// memory goal.
type sample struct {
	Metric sampleLabels `json:"metric"`
	Value  pointJSON    `json:"value"`
}

type sampleLabels struct {
	FunctionName optString `json:"function_name"`
	Part         string    `json:"part"`    // the capacity parts query's part
	Counter      string    `json:"counter"` // countersQuery's counter
	Check        string    `json:"check"`   // coverageQuery's check
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

// queryResponse is Prometheus' /api/v1/query answer, its vector decoded
// in the same pass (no copy of the answer per level).
type queryResponse struct {
	Status    string        `json:"status"`
	ErrorType string        `json:"errorType"`
	Error     string        `json:"error"`
	Warnings  []string      `json:"warnings"`
	Data      *responseData `json:"data"`
}

type responseData struct {
	ResultType string   `json:"resultType"`
	Result     []sample `json:"result"`
}

// optString is a label that may be absent (ok false), without a pointer
// allocated per series.
type optString struct {
	v  string
	ok bool
}

func (o *optString) UnmarshalJSON(b []byte) error {
	o.ok = true
	return json.Unmarshal(b, &o.v)
}

// pointJSON is a [timestamp, "value"] pair: the timestamp in seconds.
type pointJSON struct {
	ts, v float64
}

func (p *pointJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return fmt.Errorf("sample value %.40q: want [timestamp, \"value\"]", b)
	}
	ts, val, ok := bytes.Cut(b[1:len(b)-1], []byte{','})
	if !ok {
		return fmt.Errorf("sample value %.40q: want [timestamp, \"value\"]", b)
	}
	sec, err := strconv.ParseFloat(string(bytes.TrimSpace(ts)), 64)
	if err != nil {
		return fmt.Errorf("sample timestamp %.40q: %w", ts, err)
	}
	val = bytes.TrimSpace(val)
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return fmt.Errorf("sample value %.40q: want a quoted number", val)
	}
	v, err := strconv.ParseFloat(string(val[1:len(val)-1]), 64)
	if err != nil {
		return fmt.Errorf("sample value %.40q: %w", val, err)
	}
	p.ts, p.v = sec, v
	return nil
}

// queryVector runs one instant query at the server's now (POST, as the
// client library does) and decodes its vector with the labels sample
// keeps. Errors are the client library's kinds, so classify reads them
// alike: a query Prometheus rejected is a *v1.Error of its type.
func (s *Source) queryVector(ctx context.Context, expr string) ([]sample, error) {
	form := url.Values{"query": {expr}}
	resp, body, err := s.post(ctx, form)
	if err == nil {
		switch resp.StatusCode {
		case http.StatusMethodNotAllowed, http.StatusForbidden, http.StatusNotImplemented:
			// A read-only proxy, or a Prometheus-compatible server, that
			// refuses POST: GET, as the client library falls back.
			resp, body, err = s.get(ctx, form)
		}
	}
	if err != nil {
		return nil, classify(err, expr)
	}
	var r queryResponse
	// The series decode into an array sized for them: appended one by one
	// from empty, its growth was a third of the decode's allocation.
	r.Data = &responseData{Result: make([]sample, 0, bytes.Count(body, []byte(`"metric"`)))}
	if err := json.Unmarshal(body, &r); err != nil {
		if resp.StatusCode/100 != 2 {
			return nil, classify(&v1.Error{Type: v1.ErrServer, Msg: fmt.Sprintf("server answered %s", resp.Status)}, expr)
		}
		// A well-formed answer of another type (a scalar's result does not
		// decode as series) is the query's fault, not the server's.
		var shape struct {
			Data struct {
				ResultType string `json:"resultType"`
			} `json:"data"`
		}
		if json.Unmarshal(body, &shape) == nil && shape.Data.ResultType != "" && shape.Data.ResultType != "vector" {
			return nil, fmt.Errorf("query %s: got a %s, want a vector", expr, shape.Data.ResultType)
		}
		return nil, classify(&v1.Error{Type: v1.ErrBadResponse, Msg: err.Error()}, expr)
	}
	if r.Status != "success" {
		typ := v1.ErrorType(r.ErrorType)
		if typ == "" {
			typ = v1.ErrServer
		}
		return nil, classify(&v1.Error{Type: typ, Msg: r.Error}, expr)
	}
	if len(r.Warnings) > 0 {
		s.log.Debug("prometheus warnings", "query", expr, "warnings", r.Warnings)
	}
	if r.Data == nil || r.Data.ResultType == "" {
		return nil, classify(&v1.Error{Type: v1.ErrBadResponse, Msg: "no data in a successful answer"}, expr)
	}
	if r.Data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: got a %s, want a vector", expr, r.Data.ResultType)
	}
	return r.Data.Result, nil
}

// post sends the query form as POST. The Idempotency-Key header (set to
// nil: present, not sent) lets net/http replay the request on a fresh
// connection when a kept-alive one was closed under it, as it does for the
// client library's queries: an instant query changes nothing.
func (s *Source) post(ctx context.Context, form url.Values) (*http.Response, []byte, error) {
	u := s.client.URL("/api/v1/query", nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["Idempotency-Key"] = nil
	return s.client.Do(ctx, req)
}

// get sends the query form as GET.
func (s *Source) get(ctx context.Context, form url.Values) (*http.Response, []byte, error) {
	u := s.client.URL("/api/v1/query", nil)
	u.RawQuery = form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	return s.client.Do(ctx, req)
}
