package actuator

import (
	"fmt"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// MetricScaleCalls counts the writes the actuator sends to the provider, by
// function_name and result. Every component's write is one of them (the
// scaler's, the idler's scale to zero and restores, the keep-alive's
// pre-warm): the actuator is the only writer of replicas, so it counts
// them all. The dashboards' "Scale calls" panels and the health alert
// FaasAutoscalerScaleCallsFailing read it.
const MetricScaleCalls = "faas_autoscaler_scale_calls_total"

const (
	labelFunction = "function_name"
	labelResult   = "result"
)

type metrics struct {
	intents    *prometheus.CounterVec
	scaleCalls *prometheus.CounterVec
	pending    prometheus.Gauge
	inflight   prometheus.Gauge
	// intentsBy holds the intents series of every Component and Code, by
	// their places in Components and Codes, resolved once: a WithLabelValues per
	// outcome (two label hashes and a map lookup under the vector's lock)
	// was most of what counting an intent cost. Exact for good: the
	// series are created here and never deleted.
	intentsBy [][]prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		intents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faas_autoscaler_actuator_intents_total",
			Help: "Replica changes proposed to the actuator, by proposing component and verdict (applied, dropped and why, error).",
		}, []string{"component", "code"}),
		scaleCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricScaleCalls,
			Help: "Scale calls to the provider by function and result (ok, refused, error, gone, dry_run): every write the actuator sends (scaler, idler, pre-warm).",
		}, []string{labelFunction, labelResult}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faas_autoscaler_actuator_pending_intents",
			Help: "Functions with an intent waiting for the actuator.",
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faas_autoscaler_actuator_inflight_calls",
			Help: "Provider writes in progress.",
		}),
	}
	m.intentsBy = make([][]prometheus.Counter, len(Components))
	for i, c := range Components {
		m.intentsBy[i] = make([]prometheus.Counter, len(Codes))
		for j, code := range Codes {
			m.intentsBy[i][j] = m.intents.WithLabelValues(string(c), string(code))
		}
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.intents, m.scaleCalls, m.pending, m.inflight} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("actuator: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

// outcome counts o: its intent by component and code, and, when it is a
// scale call's, the call by function and result. A scale call is a write
// sent to the provider (applied: "ok"; error; gone) or one --dry-run
// stood in for; a refusal counts when the provider answered one
// (o.Err set), not for each intent the actuator drops while it holds that
// refusal (no call made).
//
// A call cut short by the pool stopping (o.stopped: a leadership hand-over,
// a shutdown) counts its intent as CodeStopped, as intents the stopping
// pool never ran do: an intent "error" is what operators alert on, and this
// replica stopping is no failure of the function's. The call itself was
// sent and its fate is unknown, so it stays an "error" scale call.
func (m *metrics) outcome(o Outcome) {
	m.intent(o)
	if result, ok := scaleCallResult(o); ok {
		m.scaleCalls.WithLabelValues(o.Intent.Ref.String(), result).Inc()
	}
}

// intent counts o's intent by component and code (see outcome).
func (m *metrics) intent(o Outcome) {
	code := o.Code
	if o.stopped {
		code = CodeStopped
	}
	if i, j := componentIndex(o.Intent.Who), codeIndex(code); i >= 0 && j >= 0 {
		m.intentsBy[i][j].Inc()
		return
	}
	m.intents.WithLabelValues(string(o.Intent.Who), string(code)).Inc()
}

// scaleCallResult is o's result label in MetricScaleCalls; ok is false
// when o is no scale call.
func scaleCallResult(o Outcome) (result string, ok bool) {
	switch o.Code {
	case CodeApplied:
		return "ok", true
	case CodeDryRun, CodeError, CodeGone:
		return string(o.Code), true
	case CodeRefused:
		return string(o.Code), o.Err != nil
	}
	return "", false
}

// forget deletes ref's scale call series (the function is gone).
func (m *metrics) forget(ref provider.Ref) {
	m.scaleCalls.DeletePartialMatch(prometheus.Labels{labelFunction: ref.String()})
}

// componentIndex is c's index in Components, -1 when it is none of them.
func componentIndex(c Component) int { return slices.Index(Components, c) }

// codeIndex is c's index in Codes, -1 when it is none of them.
func codeIndex(c Code) int { return slices.Index(Codes, c) }
