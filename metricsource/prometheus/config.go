package prometheus

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Default values; see Config.
const (
	DefaultTimeout          = 5 * time.Second
	DefaultStartedTimeout   = 15 * time.Second
	DefaultCoverageSelector = `up{job=~"gateway|openfaas-pods|openfaas-gateway",kubernetes_pod_name=~"(gateway-.+)?"}`
	DefaultMaxScrapeGap     = 30 * time.Second
	// MaxMaxScrapeGap bounds Config.MaxScrapeGap: three of it (the shortest
	// covered window while the scrape interval is unknown) must not wrap.
	MaxMaxScrapeGap       = time.Hour
	DefaultNamespace      = "openfaas-fn"
	DefaultDuplicateCheck = 5 * time.Minute
)

// Config configures the Prometheus source. Start from DefaultConfig.
type Config struct {
	// URL of the Prometheus server, e.g. http://prometheus.openfaas:9090
	// (flag --prometheus-url).
	URL string
	// Timeout bounds each call (Load or Activity), all its queries included
	// (flag --prometheus-timeout, default 5s).
	Timeout time.Duration
	// StartedTimeout bounds each StartedTotals or StartedCounts call
	// instead: the keep-alive feeder's reads of the calls already made,
	// which no scaler pass or idler cycle waits on, so Timeout, sized for
	// the pass, is not theirs. At 100,000 called functions Prometheus
	// answered the feeder's read in 4.4 s on average, and one read in six
	// failed at the 5 s Timeout, its learn step unknown (session 36's
	// footprint run). Default 15s, the feeder's default step
	// (config keep_alive.read_timeout says why).
	StartedTimeout time.Duration
	// CoverageSelector is a plain series selector (no functions, no
	// comparison) for the `up` series of the gateway's scrape target(s). It
	// proves that Prometheus has scraped the gateway successfully for a
	// whole window, so that a function without invocations in the window
	// provably had none (flag --prometheus-coverage-selector, default
	// up{job=~"gateway|openfaas-pods|openfaas-gateway",kubernetes_pod_name=~"(gateway-.+)?"}:
	// the job names of the OpenFaaS charts and of faasd, and within the
	// chart's openfaas-pods job, which scrapes every annotated pod of the
	// namespace (queue workers too), the gateway's pods alone; a target
	// without the label, a static job's, is taken whole).
	CoverageSelector string
	// MaxScrapeGap is the longest time without a fresh `up` sample that still
	// counts as continuous observation. Set it to a few scrape intervals
	// (flag --prometheus-max-scrape-gap, default 30s, for scrapes of 5–10 s).
	MaxScrapeGap time.Duration
	// DefaultNamespace qualifies a function_name without a dot, as the
	// gateway's function_namespace does (default openfaas-fn).
	DefaultNamespace string
	// DuplicateCheck is how often the source looks for gateway series that
	// Prometheus holds twice (a gateway scraped by two jobs, an HA pair
	// read without deduplication) and WARNs naming them (duplicates.go):
	// one small query with a load read, at most this often; 0 = never
	// (default 5m).
	DuplicateCheck time.Duration
	// Logger receives debug lines about ignored series; nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults; URL is left empty on purpose.
func DefaultConfig() Config {
	return Config{
		Timeout:          DefaultTimeout,
		StartedTimeout:   DefaultStartedTimeout,
		CoverageSelector: DefaultCoverageSelector,
		MaxScrapeGap:     DefaultMaxScrapeGap,
		DefaultNamespace: DefaultNamespace,
		DuplicateCheck:   DefaultDuplicateCheck,
	}
}

// Validate reports the first problem with c, naming the setting.
func (c Config) Validate() error {
	if c.URL == "" {
		return errors.New("prometheus url is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("prometheus url %q: want http(s)://host[:port]", c.URL)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("prometheus timeout must be > 0, got %s", c.Timeout)
	}
	if c.StartedTimeout <= 0 {
		return fmt.Errorf("prometheus started timeout must be > 0, got %s", c.StartedTimeout)
	}
	if c.CoverageSelector == "" {
		return errors.New("prometheus coverage selector is required")
	}
	if c.MaxScrapeGap < time.Second || c.MaxScrapeGap > MaxMaxScrapeGap {
		return fmt.Errorf("prometheus max scrape gap must be from 1s to %s, got %s", MaxMaxScrapeGap, c.MaxScrapeGap)
	}
	if c.DuplicateCheck < 0 {
		return fmt.Errorf("prometheus duplicate check must be >= 0 (0 = off), got %s", c.DuplicateCheck)
	}
	if c.DefaultNamespace == "" {
		return errors.New("prometheus default namespace is required")
	}
	return nil
}
