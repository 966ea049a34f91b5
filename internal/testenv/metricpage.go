package testenv

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MetricPage is one read of a /metrics page in the Prometheus text format,
// for harnesses that log a few of the controller's own series.
type MetricPage string

// ReadMetricPage GETs url.
func ReadMetricPage(url string) (MetricPage, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	return MetricPage(body), err
}

// Value is the sample of series, written as the page writes it (name and
// labels, e.g. `x_total{result="ok"}`); ok false when the page has none or
// its value does not parse (missing, never 0).
func (p MetricPage) Value(series string) (v float64, ok bool) {
	for line := range strings.SplitSeq(string(p), "\n") {
		if s, found := strings.CutPrefix(line, series+" "); found {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			return v, err == nil
		}
	}
	return 0, false
}
