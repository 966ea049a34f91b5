package gatewaysim

import (
	"bytes"
	"context"
	"io"

	"github.com/prometheus/common/expfmt"
)

// Scrape renders the gateway's metrics in the text exposition format, so an
// in-process metrics source (metricsource/embedded) parses exactly what it
// would scrape from a real gateway's /metrics.
func (g *Gateway) Scrape(context.Context) (io.ReadCloser, error) {
	mfs, err := g.Registry().Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	return io.NopCloser(&buf), nil
}
