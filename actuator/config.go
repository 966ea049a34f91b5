package actuator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Provider is what the actuator needs from the system that holds replicas:
// a read (for providers without a conditional write) and a write.
// provider.Provider satisfies it; a provider.ConditionalScaler is used for
// its compare-and-swap.
type Provider interface {
	Function(ctx context.Context, ref provider.Ref) (provider.Function, error)
	Scale(ctx context.Context, ref provider.Ref, replicas uint64) error
}

// MaxWorkers bounds Config.Workers. Start runs one goroutine per worker
// before the pool serves anything, so an unbounded count (a typo such as
// 1000000000) wedged the process starting them; and every worker is one
// provider call in flight against one gateway or API server, which
// throttles far below this (the Kubernetes client allows 50 requests a
// second, burst 100). 1024 is two orders of magnitude above the default 8,
// room for any fleet, and costs at most a few MiB of goroutine stacks.
const MaxWorkers = 1024

// Config configures an Actuator.
type Config struct {
	Provider provider.Provider // required
	Clock    clock.Clock       // default clock.Real()
	// Workers is how many functions' calls run at once (1 to MaxWorkers).
	Workers int
	// CallTimeout bounds each attempt (read and write) for one intent.
	CallTimeout time.Duration
	// BackoffInitial doubles per consecutive failure of a function, up to
	// BackoffMax.
	BackoffInitial, BackoffMax time.Duration
	// RefusedBackoff: a count the provider refused is not asked for again
	// for this long.
	RefusedBackoff time.Duration
	// DryRun decides and reports, never writes.
	DryRun bool
	// Namespaces the controller manages; empty = all.
	Namespaces []string
	// Leading reports whether this replica may write; nil = always.
	Leading func() bool
	// HistorySize is how many outcomes per function the explain API keeps.
	HistorySize int
	Registerer  prometheus.Registerer
	Logger      *slog.Logger
}

// Validate reports every problem with c.
func (c Config) Validate() error {
	var errs []error
	if c.Provider == nil {
		errs = append(errs, errors.New("actuator: provider is required"))
	}
	if c.Workers < 1 || c.Workers > MaxWorkers {
		errs = append(errs, fmt.Errorf("actuator: workers = %d, must be in [1, %d]", c.Workers, MaxWorkers))
	}
	if c.CallTimeout <= 0 {
		errs = append(errs, fmt.Errorf("actuator: call timeout = %s, must be positive", c.CallTimeout))
	}
	if c.BackoffInitial <= 0 || c.BackoffMax < c.BackoffInitial {
		errs = append(errs, fmt.Errorf("actuator: back-off %s..%s: initial must be positive and max at least initial", c.BackoffInitial, c.BackoffMax))
	}
	if c.RefusedBackoff <= 0 {
		errs = append(errs, fmt.Errorf("actuator: refused back-off = %s, must be positive", c.RefusedBackoff))
	}
	if c.HistorySize < 0 {
		errs = append(errs, fmt.Errorf("actuator: history size = %d, must not be negative", c.HistorySize))
	}
	return errors.Join(errs...)
}

// Default returns a valid configuration without a provider.
func Default() Config {
	return Config{Workers: 8, CallTimeout: 10 * time.Second, BackoffInitial: time.Second, BackoffMax: time.Minute,
		RefusedBackoff: time.Hour, HistorySize: 10}
}
