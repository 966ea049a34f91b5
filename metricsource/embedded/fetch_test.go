package embedded

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestScrapesARealExporter reads what client_golang's promhttp serves (the
// gateway uses it), over HTTP, with the explicit times ScrapeOnce takes.
func TestScrapesARealExporter(t *testing.T) {
	ex := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(ex.Registry)
	t0 := time.Unix(1_700_000_000, 0)
	cfg := DefaultConfig()
	cfg.URL = ex.URL()
	cfg.Interval = time.Second
	cfg.Clock = fixedClock{t0.Add(10*time.Second + 500*time.Millisecond)}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= 10; i++ {
		gw.Total.WithLabelValues("figlet.openfaas-fn", "200").Add(3)
		gw.Started.WithLabelValues("figlet.openfaas-fn").Add(3)
		gw.Inflight.WithLabelValues("figlet.openfaas-fn").Set(float64(i % 4))
		if err := src.ScrapeOnce(context.Background(), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	rps, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rps[fnRef("figlet")] != 3 {
		t.Fatalf("rps = %v, want 3", rps)
	}
	act, err := src.Activity(context.Background(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !act.Covered || act.Started[fnRef("figlet")] != 15 || act.Inflight[fnRef("figlet")] != 2 {
		t.Fatalf("activity = %+v, want covered, 15 started, 2 in flight", act)
	}
}

func TestFetchErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	cases := []struct {
		name, url, want string
	}{
		{"5xx", srv.URL + "/metrics", "status 503"},
		{"refused", "http://127.0.0.1:1/metrics", "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.URL = c.url
			src, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = src.ScrapeOnce(context.Background(), time.Unix(1, 0))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

// commentLine is a comment of 1 KiB, newline included: the parser reads
// it without keeping anything.
var commentLine = "#" + strings.Repeat("x", 1022) + "\n"

// endlessComments is a /metrics body that never ends: comment lines.
type endlessComments struct{ off int }

func (e *endlessComments) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = commentLine[e.off%len(commentLine)]
		e.off++
	}
	return len(p), nil
}

// TestOversizedBodyIsAFailedScrape: a body cut at the limit must not be
// recorded as a scrape, or every function past the cut would read as idle.
func TestOversizedBodyIsAFailedScrape(t *testing.T) {
	// One sample, padded to whole lines of 1 KiB, then comments for ever:
	// the limit falls on a line boundary, so the cut body alone would parse.
	head := "gateway_function_invocation_total{function_name=\"a.b\",code=\"200\"} 1\n"
	head += "#" + strings.Repeat("x", len(commentLine)-len(head)-2) + "\n"
	if MaxBodyBytes%len(head) != 0 || len(head) != len(commentLine) {
		t.Fatalf("head is %d bytes: the cut would not fall on a line boundary", len(head))
	}
	cfg := DefaultConfig()
	cfg.Fetch = func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(strings.NewReader(head), &endlessComments{})), nil
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = src.ScrapeOnce(context.Background(), time.Unix(1, 0))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want a body-too-large error", err)
	}
	src.mu.RLock()
	n := len(src.st.scrapes)
	src.mu.RUnlock()
	if n != 0 {
		t.Errorf("%d scrapes recorded from a cut body, want 0", n)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"defaults", func(*Config) {}, ""},
		{"url", func(c *Config) { c.URL = "http://gateway:8080/metrics" }, ""},
		{"url and fetch", func(c *Config) { c.URL = "http://gateway:8080/metrics"; c.Fetch = (&fakeGateway{}).fetch },
			"embedded source: set the gateway metrics url or a fetch function, not both"},
		{"bad url", func(c *Config) { c.URL = "gateway:8080" },
			`embedded source: gateway metrics url "gateway:8080": want http(s)://host[:port]/metrics`},
		{"tiny interval", func(c *Config) { c.Interval = 10 * time.Millisecond },
			"embedded source: scrape interval must be at least 100ms, got 10ms"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second },
			"embedded source: scrape timeout must not be negative, got -1s"},
		{"short retention", func(c *Config) { c.Retention = 9 * time.Second },
			"embedded source: retention must be at least two scrape intervals (10s), got 9s"},
		{"no namespace", func(c *Config) { c.DefaultNamespace = "" }, "embedded source: default namespace is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.modify(&cfg)
			err := cfg.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || err.Error() != c.want {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
