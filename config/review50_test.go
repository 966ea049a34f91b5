package config

import (
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/httpserver"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
)

// TestReview50MaxHeaderBytesThatOverflowsIsRefused: server.max_header_bytes
// is documented "at least 4096" with no upper bound, and Validate (and
// httpserver.Options.Validate) accept any int above it. net/http reads a
// request's head under a limit of MaxHeaderBytes + 4096 as an int64, which
// overflows to a negative limit for a value within 4096 of the largest int
// (9223372036854775807, what an operator writes for "unlimited"): every
// request, /healthz and /readyz included, is then answered 431, so the
// livenessProbe restarts the controller for ever and AlertManager never
// gets through. The file must be refused naming the key, or the server it
// builds must serve.
func TestReview50MaxHeaderBytesThatOverflowsIsRefused(t *testing.T) {
	path := writeFile(t, "server:\n  max_header_bytes: 9223372036854775807\n")
	c, err := Load(path)
	if err != nil {
		if !strings.Contains(err.Error(), "server.max_header_bytes") {
			t.Fatalf("Load = %v; want the error to name server.max_header_bytes", err)
		}
		return // refused at load, naming the key: correct
	}
	o := c.Server.Options()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "OK") })
	srv := httpserver.New(h, o, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("server.max_header_bytes 9223372036854775807 passes Load, and the server built from it answers "+
			"GET /healthz with %d %q (net/http's read limit MaxHeaderBytes+4096 overflows); want the value refused "+
			"at load naming the key, or a server that serves", resp.StatusCode, strings.TrimSpace(string(body)))
	}
}

// emptyHistory is a Prometheus range querier whose history is empty.
type emptyHistory struct{}

func (emptyHistory) QueryRange(context.Context, string, v1.Range, ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	return model.Matrix{}, nil, nil, nil
}

// TestReview50RebuildLookbackUnderAMinuteIsUsable: docs/configuration.md
// says keep_alive.rebuild_lookback is "Rounded up to whole minutes (the
// rebuild's step)", 0 = none, and Validate accepts any value of at least
// 0s. But the rebuild refuses a lookback shorter than its one-minute step
// before it rounds ("want 0 < step ≤ lookback"), so a file with
// rebuild_lookback: 30s loads cleanly and the controller's start then
// logs "no rebuild from history" and relearns nothing (the term refreshes
// of the replica history fail alike). Either Load refuses the value naming
// the key, or the rebuild reads the documented whole minute.
func TestReview50RebuildLookbackUnderAMinuteIsUsable(t *testing.T) {
	path := writeFile(t, "keep_alive:\n  rebuild_lookback: 30s\n")
	c, err := Load(path)
	if err != nil {
		if !strings.Contains(err.Error(), "keep_alive.rebuild_lookback") {
			t.Fatalf("Load = %v; want the error to name keep_alive.rebuild_lookback", err)
		}
		return // refused at load, naming the key: correct
	}
	const rebuildStep = time.Minute // controller.RebuildStep, "the rebuild's step" of the docs
	p, err := keepalive.New(keepalive.Default())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if _, err := p.Rebuild(context.Background(), emptyHistory{}, now, c.KeepAlive.RebuildLookback, rebuildStep, "openfaas-fn"); err != nil {
		t.Errorf("keep_alive.rebuild_lookback 30s passes Load (documented: rounded up to whole minutes), "+
			"but the rebuild refuses it: %v", err)
	}
	if _, err := p.RebuildWithin(context.Background(), emptyHistory{}, now, c.KeepAlive.RebuildLookback, rebuildStep, "openfaas-fn", time.Now); err != nil {
		t.Errorf("keep_alive.rebuild_lookback 30s passes Load, but the start's RebuildWithin refuses it: %v", err)
	}
}

// TestReview50PlainZeroDurationAgreesWithQuotedZero: a duration written
// 0 is refused (`"0" is not a duration: want a Go duration such as 5s`),
// while the same text quoted, "0", is accepted as 0s: time.ParseDuration
// reads "0" (the one unit-less Go duration). The docs give 0 as the value
// that turns keys off ("0 = none" for keep_alive.rebuild_lookback, "0 =
// off" for liveness.max_inactivity), and the deprecated flag
// --keepalive-rebuild-lookback 0 is accepted, so moving it into the file as
// the docs ask fails with a message that calls a Go duration not one. The
// two spellings must agree: both accepted as 0s, or both refused.
func TestReview50PlainZeroDurationAgreesWithQuotedZero(t *testing.T) {
	for _, key := range []struct{ section, name string }{{"liveness", "max_inactivity"}, {"keep_alive", "rebuild_lookback"}} {
		_, plainErr := Parse("c.yaml", []byte(key.section+":\n  "+key.name+": 0\n"))
		_, quotedErr := Parse("c.yaml", []byte(key.section+":\n  "+key.name+": \"0\"\n"))
		if (plainErr == nil) != (quotedErr == nil) {
			t.Errorf("%s.%s: 0 gives %v, \"0\" gives %v; want the same answer for both spellings of the same Go duration",
				key.section, key.name, plainErr, quotedErr)
		}
	}
	// The old flag takes 0 for the same key.
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	d := BindDeprecated(fs, nil)
	if err := fs.Parse([]string{"--keepalive-rebuild-lookback", "0"}); err != nil {
		t.Fatal(err)
	}
	if c, err := LoadWith("", d); err != nil || c.KeepAlive.RebuildLookback != 0 {
		t.Fatalf("--keepalive-rebuild-lookback 0: LoadWith = %v, %v; want 0s accepted", c.KeepAlive.RebuildLookback, err)
	}
}

// TestReview50MaxScrapeGapWhoseThreeTimesOverflowsIsRefused: the docs say a
// zero-duration too short to be covered is queried over "3 ×
// prometheus.max_scrape_gap" until the source has read the scrape
// interval (Source.ShortestCoveredWindow), and Validate bounds
// max_scrape_gap only from below. A max_scrape_gap above a third of the
// largest duration (1000000h is a Go duration) passes Load, and the
// Prometheus source built from it answers a negative shortest covered
// window: 3 × the gap wraps. The value must be refused at load naming the
// key, or the window must not wrap.
func TestReview50MaxScrapeGapWhoseThreeTimesOverflowsIsRefused(t *testing.T) {
	path := writeFile(t, "prometheus:\n  max_scrape_gap: 1000000h\n")
	c, err := Load(path)
	if err != nil {
		if !strings.Contains(err.Error(), "prometheus.max_scrape_gap") {
			t.Fatalf("Load = %v; want the error to name prometheus.max_scrape_gap", err)
		}
		return
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	pc := prometheus.DefaultConfig()
	pc.URL, pc.DefaultNamespace = down.URL, "openfaas-fn"
	pc.CoverageSelector, pc.MaxScrapeGap, pc.Timeout = c.Prometheus.CoverageSelector, c.Prometheus.MaxScrapeGap, c.Prometheus.Timeout
	pc.StartedTimeout = c.KeepAlive.ReadTimeout
	src, err := prometheus.New(pc)
	if err != nil {
		t.Fatalf("prometheus.New refuses what Load accepted: %v", err)
	}
	if w := src.ShortestCoveredWindow(); w < c.Prometheus.MaxScrapeGap {
		t.Errorf("prometheus.max_scrape_gap 1000000h passes Load; the source's shortest covered window "+
			"(documented 3 × max_scrape_gap while the scrape interval is unknown) is %s: it overflowed", w)
	}
}
