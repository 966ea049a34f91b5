package provider

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Operation and result label values of the provider call metrics.
const (
	OpNamespaces = "namespaces"
	OpFunctions  = "functions"
	OpFunction   = "function"
	OpScale      = "scale"

	ResultOK           = "ok"
	ResultNotFound     = "not_found"
	ResultRefused      = "refused"
	ResultUnauthorized = "unauthorized"
	ResultConflict     = "conflict"
	ResultError        = "error"
)

var (
	operations = []string{OpNamespaces, OpFunctions, OpFunction, OpScale}
	results    = []string{ResultOK, ResultNotFound, ResultRefused, ResultUnauthorized, ResultConflict, ResultError}
)

// Result classifies a provider call's error into a result label value.
func Result(err error) string {
	var refused *RefusedError
	var conflict *ConflictError
	switch {
	case err == nil:
		return ResultOK
	case errors.As(err, &conflict):
		return ResultConflict
	case errors.Is(err, ErrNotFound):
		return ResultNotFound
	case errors.As(err, &refused):
		return ResultRefused
	case errors.Is(err, ErrUnauthorized):
		return ResultUnauthorized
	default:
		return ResultError
	}
}

// instrumented counts and times every call of the Provider it wraps.
type instrumented struct {
	next     Provider
	calls    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// Instrument wraps p so that each call is counted in
// faas_autoscaler_provider_calls_total{operation,result} and timed in
// faas_autoscaler_provider_call_duration_seconds{operation}, registered on
// reg (nil: not registered). Every operation×result series starts at 0 so
// rates and alerts work from the first scrape. Instrumenting twice on one
// registry shares the collectors already there. It panics only when reg holds
// different metrics under these names, a wiring bug found at start-up, the
// way prometheus.MustRegister does.
func Instrument(p Provider, reg prometheus.Registerer) Provider {
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "faas_autoscaler_provider_calls_total",
		Help: "Calls to the replica provider, by operation and result (ok, not_found, refused, unauthorized, conflict, error).",
	}, []string{"operation", "result"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "faas_autoscaler_provider_call_duration_seconds",
		Help: "Duration of calls to the replica provider, retries included, by operation.",
		// From a 1ms in-memory call to a gateway that needs all its retries.
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"operation"})
	if reg != nil {
		calls = register(reg, calls)
		duration = register(reg, duration)
	}
	for _, op := range operations {
		duration.WithLabelValues(op)
		for _, r := range results {
			calls.WithLabelValues(op, r)
		}
	}
	m := &instrumented{next: p, calls: calls, duration: duration}
	if c, ok := p.(ConditionalScaler); ok {
		return &instrumentedConditional{instrumented: *m, cond: c}
	}
	return m
}

// register registers c, or returns the equal collector already registered.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err)
	}
	return c
}

// observe records one call; it reads the wall clock only to time the call
// (virtual time inside a synctest bubble), never to decide anything.
func (m *instrumented) observe(op string, start time.Time, err error) {
	m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	m.calls.WithLabelValues(op, Result(err)).Inc()
}

func (m *instrumented) Namespaces(ctx context.Context) ([]string, error) {
	start := time.Now()
	nss, err := m.next.Namespaces(ctx)
	m.observe(OpNamespaces, start, err)
	return nss, err
}

func (m *instrumented) Functions(ctx context.Context, namespace string) ([]Function, error) {
	start := time.Now()
	fns, err := m.next.Functions(ctx, namespace)
	m.observe(OpFunctions, start, err)
	return fns, err
}

func (m *instrumented) Function(ctx context.Context, ref Ref) (Function, error) {
	start := time.Now()
	fn, err := m.next.Function(ctx, ref)
	m.observe(OpFunction, start, err)
	return fn, err
}

func (m *instrumented) Scale(ctx context.Context, ref Ref, replicas uint64) error {
	start := time.Now()
	err := m.next.Scale(ctx, ref, replicas)
	m.observe(OpScale, start, err)
	return err
}

// instrumentedConditional keeps a wrapped ConditionalScaler conditional.
type instrumentedConditional struct {
	instrumented
	cond ConditionalScaler
}

func (p instrumentedConditional) ScaleFrom(ctx context.Context, ref Ref, from, to uint64) error {
	start := time.Now()
	err := p.cond.ScaleFrom(ctx, ref, from, to)
	p.observe(OpScale, start, err)
	return err
}

// ScaleFromCreated keeps the wrapped provider's write held to the function
// it was decided on, as ScaleIf holds it (atomically when it is a
// CreatedScaler).
func (p instrumentedConditional) ScaleFromCreated(ctx context.Context, ref Ref, from, to uint64, created time.Time) error {
	start := time.Now()
	err := ScaleIf(ctx, p.next, ref, from, to, created)
	p.observe(OpScale, start, err)
	return err
}
