package embedded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Run scrapes once at once and then every Interval until ctx is done. Failed
// scrapes are logged and leave a gap in the history (so the window they fall
// in is not covered); Run itself only returns ctx's error.
func (s *Source) Run(ctx context.Context) error {
	if s.cfg.URL == "" && s.cfg.Fetch == nil {
		return errors.New("embedded source: nothing to scrape (no gateway metrics url or fetch function)")
	}
	tick := s.clock.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	now := s.clock.Now()
	for {
		if err := s.ScrapeOnce(ctx, now); err != nil && ctx.Err() == nil {
			s.log.Warn("scrape failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C():
			// Now, not the tick's time: after a scrape that outlasted
			// the interval the tick has waited, and the page fetched now
			// holds the calls up to now.
			now = s.clock.Now()
		}
	}
}

// ScrapeOnce fetches and parses the gateway's metrics and records them as a
// scrape at now. On error nothing is recorded.
func (s *Source) ScrapeOnce(ctx context.Context, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	body, servedAt, err := s.fetch(ctx)
	if err != nil {
		return fmt.Errorf("scrape: %w", err)
	}
	defer body.Close()
	// Read one byte past the limit to tell a body that ends there from one
	// that was cut: a cut body parses as a partial scrape, in which every
	// function past the cut would look idle.
	lr := &io.LimitedReader{R: body, N: MaxBodyBytes + 1}
	families, err := parseFamilies(lr)
	if lr.N == 0 {
		return fmt.Errorf("scrape: metrics body larger than %d bytes", MaxBodyBytes)
	}
	if err != nil {
		return fmt.Errorf("scrape: %w", err)
	}
	// A body cut mid-line fails to parse (the text format ends every line
	// with a line feed), and one cut short of its Content-Length or last
	// chunk fails to read. A connection closed right after the headers
	// leaves an empty body, which parses: every function would vanish and,
	// at the next page, count its whole counter as arrivals. No gateway's
	// page is empty once it has listed a function.
	if lr.N == MaxBodyBytes+1 && s.hasFunctions() {
		return errors.New("scrape: empty metrics body after pages with functions: a response cut short")
	}
	proc, start, err := s.pageProcess(families)
	if err != nil {
		return fmt.Errorf("scrape: %w", err)
	}
	s.observePage(now, samplesOf(families), proc, start, servedAt)
	return nil
}

// hasFunctions reports whether the store holds any function.
func (s *Source) hasFunctions() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.st.fns) > 0
}

// fetch returns the page's body and when the gateway served it on its own
// clock, in Unix seconds, from the response's Date header (0: not known,
// as from a Fetch function): restart.go tells a restart from it.
func (s *Source) fetch(ctx context.Context) (io.ReadCloser, float64, error) {
	if s.cfg.Fetch != nil {
		body, err := s.cfg.Fetch(ctx)
		return body, 0, err
	}
	if s.cfg.URL == "" {
		return nil, 0, errors.New("no gateway metrics url or fetch function")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, 0, err
	}
	// Ask for the text format: it is what expfmt's text parser reads.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("GET %s: status %d", s.cfg.URL, resp.StatusCode)
	}
	var servedAt float64
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil && d.Unix() > 0 {
		servedAt = float64(d.Unix()) // none, or unreadable: the controller's clock decides
	}
	return resp.Body, servedAt, nil
}

// metricSeconds is the gateway's request duration histogram.
const metricSeconds = "gateway_functions_seconds"

// parse reads Prometheus text format and keeps the gateway series we use.
func parse(r io.Reader) ([]Sample, error) {
	families, err := parseFamilies(r)
	if err != nil {
		return nil, err
	}
	return samplesOf(families), nil
}

// parseFamilies reads Prometheus text format, refusing a series of more
// than maxLabels labels.
func parseFamilies(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(&labelLimit{r: r, start: true})
	if err != nil {
		return nil, clipped(fmt.Errorf("parse metrics: %w", err))
	}
	return families, nil
}

// samplesOf is the gateway series we use of a page's families.
func samplesOf(families map[string]*dto.MetricFamily) []Sample {
	// Sized once: a gateway with thousands of functions lists tens of
	// thousands of these, which append's regrowth copied over and over.
	n := 0
	for _, name := range []string{MetricTotal, MetricStarted, MetricInflight, MetricReplicas, MetricSecondsSum, MetricSecondsCount} {
		n += len(families[name].GetMetric())
	}
	n += 2 * len(families[metricSeconds].GetMetric())
	out := make([]Sample, 0, n)
	for _, name := range []string{MetricTotal, MetricStarted, MetricInflight, MetricReplicas} {
		mf := families[name]
		if mf == nil {
			continue
		}
		for _, m := range mf.GetMetric() {
			out = append(out, labelled(name, m, value(mf.GetType(), m)))
		}
	}
	return appendSeconds(out, families)
}

// appendSeconds adds the duration histogram's sum and count per series: as
// one histogram family, or, from an exposition without its TYPE line, as
// the two untyped families the parser makes of it.
func appendSeconds(out []Sample, families map[string]*dto.MetricFamily) []Sample {
	if mf := families[metricSeconds]; mf != nil && mf.GetType() == dto.MetricType_HISTOGRAM {
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			out = append(out, labelled(MetricSecondsSum, m, h.GetSampleSum()),
				labelled(MetricSecondsCount, m, float64(h.GetSampleCount())))
		}
		return out
	}
	for _, name := range []string{MetricSecondsSum, MetricSecondsCount} {
		if mf := families[name]; mf != nil {
			for _, m := range mf.GetMetric() {
				out = append(out, labelled(name, m, value(mf.GetType(), m)))
			}
		}
	}
	return out
}

// labelled is m's sample of metric with value v and the labels we keep:
// function_name, code, and any others (a gateway replica's instance or pod
// in an exposition that merges several) folded into Instance.
func labelled(metric string, m *dto.Metric, v float64) Sample {
	smp := Sample{Metric: metric, Value: v}
	others := 0
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case "function_name":
			smp.FunctionName = l.GetValue()
		case "code":
			smp.Code = l.GetValue()
		default:
			others++
		}
	}
	if others > 0 {
		smp.Instance = otherLabels(m.GetLabel(), others)
	}
	return smp
}

// otherLabels renders the n labels of ls other than function_name and code
// as name="value" pairs sorted by name: the same string for the same series
// whatever order an exposition lists its labels in (the text format does
// not fix one). Only an exposition with such labels pays for it.
func otherLabels(ls []*dto.LabelPair, n int) string {
	kept := make([]*dto.LabelPair, 0, n)
	for _, l := range ls {
		if name := l.GetName(); name != "function_name" && name != "code" {
			kept = append(kept, l)
		}
	}
	slices.SortFunc(kept, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
	var b []byte
	for i, l := range kept {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l.GetName()...)
		b = append(b, '=')
		b = strconv.AppendQuote(b, l.GetValue())
	}
	return string(b)
}

// value is m's value as a family of type t holds it. A family of another
// type (a summary or histogram under a name the gateway exports as a
// counter or gauge) has no such value: NaN, which ingest reads as missing,
// not the untyped 0 that read as "no invocations" and let the function be
// idled while it was called.
func value(t dto.MetricType, m *dto.Metric) float64 {
	switch t {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	case dto.MetricType_UNTYPED:
		return m.GetUntyped().GetValue()
	default:
		return math.NaN()
	}
}

// maxLabels bounds the labels of one series of a page. expfmt's text
// parser checks a series' labels for a duplicate name by building a map of
// all those before each one, so a line of n labels costs it n² time and
// allocations: a 700 kB line of 64,000 labels took it 4.5 minutes and
// 180 GB, and MaxBodyBytes lets a page hold ten million labels. A
// gateway's series have two or three (function_name, code; an instance or
// pod where an exposition merges replicas). A page of series of 31 labels
// allocates about 150 bytes a byte to parse, ten times a gateway's page.
const maxLabels = 32

// errTooManyLabels is a page with a series of more than maxLabels labels.
var errTooManyLabels = fmt.Errorf("a series of more than %d labels", maxLabels)

// labelLimit reads a page for the parser and fails the read at the label
// of a line past maxLabels, before the parser reads it. A label is counted
// at its '=': one outside a quoted name or value, in a line that is not a
// comment (the text format has '=' nowhere else; a quoted value may hold
// any byte, a quote escaped).
type labelLimit struct {
	r     io.Reader
	line  int // lines read whole
	start bool
	// comment: a '#' line (HELP, TYPE); quoted, escaped: in a quoted
	// name or value, after its backslash.
	comment, quoted, escaped bool
	labels                   int
	err                      error
}

func (l *labelLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		switch {
		case c == '\n':
			l.line++
			l.start, l.comment, l.quoted, l.escaped, l.labels = true, false, false, false, 0
		case l.comment:
		case l.quoted:
			switch {
			case l.escaped:
				l.escaped = false
			case c == '\\':
				l.escaped = true
			case c == '"':
				l.quoted = false
			}
		case l.start && (c == ' ' || c == '\t'):
		case l.start && c == '#':
			l.comment = true
		default:
			l.start = false
			switch c {
			case '"':
				l.quoted = true
			case '=':
				if l.labels++; l.labels > maxLabels {
					l.err = fmt.Errorf("line %d: %w", l.line+1, errTooManyLabels)
					return i, l.err
				}
			}
		}
	}
	return n, err
}

// maxParseErrorBytes bounds a parse error's text. expfmt quotes the whole
// token it refuses, and the error is logged at every failed scrape: a page
// with a 200 kB timestamp made a 200 kB WARN each interval. The start says
// the line and what was expected, which is what an operator needs.
const maxParseErrorBytes = 512

// clippedError is err with its text cut to maxParseErrorBytes; errors.Is
// and As still see err.
type clippedError struct {
	msg string
	err error
}

func (e *clippedError) Error() string { return e.msg }
func (e *clippedError) Unwrap() error { return e.err }

// clipped returns err, or err with its text cut when it is longer than
// maxParseErrorBytes (at a rune boundary).
func clipped(err error) error {
	msg := err.Error()
	if len(msg) <= maxParseErrorBytes {
		return err
	}
	cut := maxParseErrorBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return &clippedError{msg: fmt.Sprintf("%s… (%d bytes more)", msg[:cut], len(msg)-cut), err: err}
}
