package embedded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
)

// Defaults; see Config.
const (
	DefaultInterval = 5 * time.Second
	// MinInterval is the least scrape interval: a gateway's /metrics
	// answer takes milliseconds to render and parse per thousand functions.
	MinInterval      = 100 * time.Millisecond
	DefaultRetention = 30 * time.Minute
	DefaultNamespace = "openfaas-fn"
	// MaxBodyBytes bounds one /metrics body: a gateway with 10,000 functions
	// and its histograms stays well under it.
	MaxBodyBytes = 64 << 20
)

// Config configures a Source. Start from DefaultConfig.
type Config struct {
	// URL of the gateway's metrics, e.g. http://gateway:8080/metrics. Either
	// URL or Fetch, not both; neither is fine when only Observe feeds the source.
	URL string
	// Fetch returns a /metrics text body; it replaces URL (tests, in-process gateways).
	Fetch func(ctx context.Context) (io.ReadCloser, error)
	// Interval between scrapes (default 5s; the embedded default uses 1s). It
	// also sets the coverage rule: a gap between successful scrapes longer
	// than 2.5×Interval means the gateway was not observed.
	Interval time.Duration
	// Timeout bounds one scrape; 0 means Interval.
	Timeout time.Duration
	// Retention is how much history is kept (default 30m). A query for a
	// longer window raises it to that window's vanish lookback, until no
	// such window has been asked for 8 days (retention.go).
	Retention time.Duration
	// DefaultNamespace qualifies function names without a dot.
	DefaultNamespace string
	// Clock drives Run and is "now" for queries; default clock.Real().
	Clock clock.Clock
	// Logger; nil discards.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults, with no URL or Fetch.
func DefaultConfig() Config {
	return Config{
		Interval:         DefaultInterval,
		Retention:        DefaultRetention,
		DefaultNamespace: DefaultNamespace,
	}
}

// Validate reports the first problem with c, naming the setting.
func (c Config) Validate() error {
	if c.URL != "" && c.Fetch != nil {
		return errors.New("embedded source: set the gateway metrics url or a fetch function, not both")
	}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("embedded source: gateway metrics url %q: want http(s)://host[:port]/metrics", c.URL)
		}
	}
	if c.Interval < MinInterval {
		return fmt.Errorf("embedded source: scrape interval must be at least %s, got %s", MinInterval, c.Interval)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("embedded source: scrape timeout must not be negative, got %s", c.Timeout)
	}
	if c.Retention < 2*c.Interval {
		return fmt.Errorf("embedded source: retention must be at least two scrape intervals (%s), got %s", 2*c.Interval, c.Retention)
	}
	if c.DefaultNamespace == "" {
		return errors.New("embedded source: default namespace is required")
	}
	return nil
}
