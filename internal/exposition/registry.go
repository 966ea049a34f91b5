package exposition

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Registry is a prometheus.Registry whose /metrics also writes streamed
// families. The zero value is not usable: use NewRegistry.
type Registry struct {
	*prometheus.Registry

	mu        sync.Mutex
	streamers []Streamer
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{Registry: prometheus.NewRegistry()} }

// AddStreamer adds s; its families are written after the registered
// collectors' at every scrape.
func (r *Registry) AddStreamer(s Streamer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streamers = append(r.streamers, s)
}

func (r *Registry) streamersNow() []Streamer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.streamers)
}

// Register adds s to reg: as a streamer when reg is a *Registry, otherwise
// as a collector that parses s's text into const metrics on each collect
// (every series is still there, at the allocation cost streaming avoids).
func Register(reg prometheus.Registerer, s Streamer) error {
	if r, ok := reg.(*Registry); ok {
		r.AddStreamer(s)
		return nil
	}
	return reg.Register(&collector{s: s})
}

// Gather returns the registered collectors' families and the streamed ones
// parsed back, sorted by name. /metrics does not call it (Handler streams);
// it is for tests and other readers of families.
func (r *Registry) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := r.Registry.Gather()
	if err != nil {
		return mfs, err
	}
	have := make(map[string]bool, len(mfs))
	for _, mf := range mfs {
		have[mf.GetName()] = true
	}
	for _, s := range r.streamersNow() {
		parsed, err := parse(s)
		if err != nil {
			return mfs, err
		}
		for name, mf := range parsed {
			if have[name] {
				return mfs, fmt.Errorf("exposition: family %s is both streamed and collected (or streamed twice)", name)
			}
			have[name] = true
			mfs = append(mfs, mf)
		}
	}
	slices.SortFunc(mfs, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return mfs, nil
}

// parse writes s's text to a buffer and parses it into families.
func parse(s Streamer) (map[string]*dto.MetricFamily, error) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	w := NewWriter(bw)
	if err := s.WriteText(w); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(&buf)
	if err != nil {
		return nil, fmt.Errorf("exposition: streamed text does not parse: %w", err)
	}
	return mfs, nil
}

var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// Handler serves the registry in the text format (version 0.0.4, whatever
// the scraper's Accept header prefers: every Prometheus reads it), gzipped
// when the scraper accepts gzip. A gather error is a 500, as promhttp's
// default; so is a write or streamer error while nothing was sent, and one
// after the first byte aborts the answer: either way the scraper reports a
// failed scrape, never a page missing what could not be written.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		mfs, err := r.Registry.Gather()
		if err != nil {
			http.Error(rw, "gather metrics: "+err.Error(), http.StatusInternalServerError)
			return
		}
		rw.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
		sent := &sentWriter{w: rw}
		var out io.Writer = sent
		failed := false
		if acceptsGzip(req.Header.Get("Accept-Encoding")) {
			rw.Header().Set("Content-Encoding", "gzip")
			gz := gzipPool.Get().(*gzip.Writer)
			gz.Reset(sent)
			defer func() {
				if !failed { // a trailer would make a cut page whole
					_ = gz.Close()
				}
				gz.Reset(nil)
				gzipPool.Put(gz)
			}()
			out = gz
		}
		// fail makes a page that could not be written whole a failed
		// scrape: a 500 while nothing was sent, else an aborted answer.
		// Returning ended it normally (200, the gzip trailer), and the
		// part written, perhaps nothing, read as a whole page: a
		// successful scrape with the missing series gone stale (found by
		// a review).
		fail := func(err error) {
			failed = true
			if sent.n == 0 {
				rw.Header().Del("Content-Encoding")
				http.Error(rw, "write metrics: "+err.Error(), http.StatusInternalServerError)
				return
			}
			panic(http.ErrAbortHandler)
		}
		bw := bufio.NewWriterSize(out, 32<<10)
		for _, mf := range mfs {
			if _, err := expfmt.MetricFamilyToText(bw, mf); err != nil {
				fail(err)
				return
			}
		}
		w := NewWriter(bw)
		for _, s := range r.streamersNow() {
			if err := s.WriteText(w); err != nil {
				fail(err)
				return
			}
		}
		if err := w.Flush(); err != nil {
			fail(err)
		}
	})
}

// sentWriter counts the bytes that reached the response.
type sentWriter struct {
	w io.Writer
	n int64
}

func (s *sentWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.n += int64(n)
	return n, err
}

// acceptsGzip says whether an Accept-Encoding header takes gzip: named
// (any case) with a q-value above 0 or none. A q-value is a number whose
// parameter name is case-insensitive (RFC 9110 12.4.2): only the literal
// "q=0" read as a refusal, and "gzip;q=0.0" or "Q=0" got a body the client
// could not read (found by a review).
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			name, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0 // an unreadable weight is no acceptance
				}
				q = f
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}
