package exposition

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestReview50AStreamerErrorIsNotAWholePage: Handler's doc says a
// streamer's error "can only cut the body short, which the scraper reports
// as a failed scrape". The families are written to a 32 KB bufio.Writer that
// is neither flushed nor discarded on the error: the handler just returns,
// net/http ends the response normally (200, a Content-Length or the last
// chunk; with gzip the deferred Close writes a valid trailer), and what was
// flushed before, possibly nothing, is a complete, parseable page. A
// scraper takes it as a successful scrape with every series of the
// streamer (and, under 32 KB, of the collectors too) gone: stale, and
// absent() alerts firing. Expected: a failed scrape, a 5xx while nothing
// has been sent, an aborted response once something has.
func TestReview50AStreamerErrorIsNotAWholePage(t *testing.T) {
	for _, gz := range []bool{false, true} {
		reg := NewRegistry()
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "A counter."})
		c.Add(3)
		reg.MustRegister(c)
		reg.AddStreamer(StreamerFunc(func(w *Writer) error {
			w.Family("test_gauge", "A gauge.", "gauge")
			w.Sample("test_gauge", 1, Label{Name: "function_name", Value: "a", Suffix: "openfaas-fn"})
			return errors.New("snapshot failed")
		}))
		srv := httptest.NewServer(reg.Handler())
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip") // the transport does not decode it then; read raw below
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			srv.Close()
			continue // the response failed: a failed scrape, as wanted
		}
		var body io.Reader = resp.Body
		if gz && resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzipReader(resp.Body)
			if err != nil {
				resp.Body.Close()
				srv.Close()
				continue
			}
			body = zr
		}
		b, rerr := io.ReadAll(body)
		resp.Body.Close()
		srv.Close()
		if rerr != nil || resp.StatusCode != http.StatusOK {
			continue // a failed scrape
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		if _, perr := p.TextToMetricFamilies(bytesReader(b)); perr != nil {
			continue // a page the scraper refuses: a failed scrape
		}
		t.Errorf("gzip %v: a streamer's error answered 200 with a whole, parseable page of %d bytes %q: the scraper records a successful scrape with the streamed families (and here every family) gone", gz, len(b), b)
	}
}

func gzipReader(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
