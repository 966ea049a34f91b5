package idler

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func ref(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }

func function(name string, replicas uint64, created time.Time, labels map[string]string) provider.Function {
	return provider.Function{Ref: ref(name), Labels: labels, Replicas: replicas, AvailableReplicas: replicas, CreatedAt: created}
}

type env struct {
	p   *testProvider
	src *fakeSource
	d   *Idler
	log *strings.Builder
}

func newEnv(t *testing.T, cfg Config, fns ...provider.Function) *env {
	t.Helper()
	return newEnvOn(t, memory.Options{}, cfg, fns...)
}

// newEnvOn is newEnv over a provider that behaves as opts say.
func newEnvOn(t *testing.T, opts memory.Options, cfg Config, fns ...provider.Function) *env {
	t.Helper()
	e := &env{p: newTestProvider(t, opts, fns...), src: newFakeSource(time.Now().Add(-24 * time.Hour)), log: &strings.Builder{}}
	cfg.Provider, cfg.Source, cfg.Logger = e.p, e.src, newTextLogger(e.log)
	if cfg.Actuator == nil {
		cfg.Actuator = newActuator(t, e.p, false)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
	return e
}

// setActuator gives the idler a fresh actuator over the env's provider.
func (e *env) setActuator(t *testing.T, dryRun bool) {
	e.d.cfg.Actuator = newActuator(t, e.p, dryRun)
}

func verdictOf(rep CycleReport, r provider.Ref) Verdict {
	if v, ok := rep.VerdictOf(r); ok {
		return v
	}
	return Verdict{Code: "absent"}
}

type fixedPolicy map[string]time.Duration

func (f fixedPolicy) KeepAlive(r provider.Ref, fallback time.Duration, _ float64, now time.Time) (time.Duration, string) {
	if d, ok := f[r.Name]; ok {
		return d, "learned"
	}
	return fallback, "fallback"
}

// zeroedPolicy is a keep-alive policy that records what the idler tells it
// of the functions it scaled to zero.
type zeroedPolicy struct{ zeroed map[string]uint64 }

func (z *zeroedPolicy) KeepAlive(_ provider.Ref, fallback time.Duration, _ float64, _ time.Time) (time.Duration, string) {
	return fallback, "fallback"
}

func (z *zeroedPolicy) Zeroed(r provider.Ref, replicas uint64) { z.zeroed[r.Name] = replicas }
