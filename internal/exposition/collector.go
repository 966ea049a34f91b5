package exposition

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// collector puts a streamer on a plain Registerer: each collect writes the
// streamer's text, parses it and sends const metrics. It is unchecked
// (describes nothing): the families are known only by writing them.
type collector struct{ s Streamer }

func (c *collector) Describe(chan<- *prometheus.Desc) {}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	mfs, err := parse(c.s)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(prometheus.NewInvalidDesc(err), err)
		return
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			names := make([]string, 0, len(m.GetLabel()))
			values := make([]string, 0, len(m.GetLabel()))
			for _, lp := range m.GetLabel() {
				names, values = append(names, lp.GetName()), append(values, lp.GetValue())
			}
			d := prometheus.NewDesc(mf.GetName(), mf.GetHelp(), names, nil)
			vt, v := prometheus.UntypedValue, m.GetUntyped().GetValue()
			switch mf.GetType() {
			case dto.MetricType_GAUGE:
				vt, v = prometheus.GaugeValue, m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				vt, v = prometheus.CounterValue, m.GetCounter().GetValue()
			}
			metric, err := prometheus.NewConstMetric(d, vt, v, values...)
			if err != nil {
				metric = prometheus.NewInvalidMetric(d, err)
			}
			ch <- metric
		}
	}
}
