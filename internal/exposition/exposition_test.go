package exposition

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

const (
	help      = "A help with a \\ backslash\nand a newline."
	tricky    = "quote \" backslash \\ newline \n end"
	gaugeName = "test_gauge"
)

var values = []float64{0, 1, -1, 0.1, 42, 1e6, 2.5e-7, -3.75, math.Inf(1), math.Inf(-1), math.NaN(), 1 << 53}

// streamer writes one gauge family with a series per value.
var streamer = StreamerFunc(func(w *Writer) error {
	w.Family(gaugeName, help, "gauge")
	for i, v := range values {
		w.Sample(gaugeName, v, Label{Name: "i", Value: string(rune('a' + i))}, Label{Name: "v", Value: tricky, Suffix: "ns"})
	}
	return w.Err()
})

// constText is what client_golang writes for the same series.
func constText(t *testing.T) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	d := prometheus.NewDesc(gaugeName, help, []string{"i", "v"}, nil)
	reg.MustRegister(collectorFunc(func(ch chan<- prometheus.Metric) {
		for i, v := range values {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, string(rune('a'+i)), tricky+".ns")
		}
	}))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

type collectorFunc func(chan<- prometheus.Metric)

func (f collectorFunc) Describe(chan<- *prometheus.Desc)    {}
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

// TestWriterWritesWhatClientGolangWrites: escapes (help, label values) and
// value spellings (shortest 'g', +Inf, NaN) match the text encoder's, so a
// streamed family reads as the const metrics it replaced.
func TestWriterWritesWhatClientGolangWrites(t *testing.T) {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	if err := streamer.WriteText(NewWriter(bw)); err != nil || bw.Flush() != nil {
		t.Fatal(err)
	}
	if want := constText(t); b.String() != want {
		t.Errorf("streamed:\n%s\nclient_golang:\n%s", b.String(), want)
	}
}

// TestHandlerServesCollectedAndStreamed: /metrics holds the registered
// collectors' families and the streamed ones, gzipped when accepted, and
// Gather returns both, parsed back.
func TestHandlerServesCollectedAndStreamed(t *testing.T) {
	reg := NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "test_total", Help: "A counter."})
	c.Add(3)
	reg.MustRegister(c)
	if err := Register(reg, streamer); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	for _, gz := range []bool{false, true} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		} else {
			req.Header.Set("Accept-Encoding", "identity")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = resp.Body
		if gz {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Accept-Encoding gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
			}
			if body, err = gzip.NewReader(resp.Body); err != nil {
				t.Fatal(err)
			}
		}
		b, err := io.ReadAll(body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
			t.Errorf("Content-Type %q, want the text format 0.0.4", ct)
		}
		want := "# HELP test_total A counter.\n# TYPE test_total counter\ntest_total 3\n" + constText(t)
		if string(b) != want {
			t.Errorf("gzip %v: body\n%s\nwant\n%s", gz, b, want)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 2 || mfs[0].GetName() != gaugeName || len(mfs[0].GetMetric()) != len(values) || mfs[1].GetName() != "test_total" {
		t.Errorf("Gather: %v, want the streamed gauge's %d series and the counter, by name", mfs, len(values))
	}
}

// TestGatherRefusesAFamilyTwice: a streamed family with a registered
// collector's name would be two TYPE lines on /metrics, which Prometheus
// rejects; Gather (the tests' path) says so.
func TestGatherRefusesAFamilyTwice(t *testing.T) {
	reg := NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: gaugeName, Help: "x"}))
	reg.AddStreamer(streamer)
	if _, err := reg.Gather(); err == nil {
		t.Error("gauge both collected and streamed: want an error")
	}
}
