package sim

import (
	"errors"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// Config is how a replay models the platform.
type Config struct {
	// Concurrency is how many requests one replica serves at once.
	Concurrency int
	// ColdStart is the delay from a replica being requested to it serving.
	ColdStart time.Duration
	// ColdStartPerGB adds this much per GB of the function's memory (0: off).
	ColdStartPerGB time.Duration
	// DefaultExec is the execution time of functions without durations.
	DefaultExec time.Duration
	// Arrivals places a minute's invocations inside the minute.
	Arrivals trace.ArrivalModel
	// Seed makes arrivals and execution times reproducible.
	Seed uint64
	// Start is the virtual time of the trace's first minute.
	Start time.Time
	// FromMinute starts the replay at this minute of the trace (0-based), from
	// a fresh state: no replicas, no history; Start is then the virtual time
	// of that minute, so time of day stays the trace's.
	FromMinute int
	// Minutes limits the replay to N minutes from FromMinute (0: to the end).
	Minutes int
	// Workers is how many functions replay at once (0: GOMAXPROCS).
	Workers int
	// Timeline names a function index whose replicas over time are recorded
	// (-1: none).
	Timeline int
}

// DefaultConfig returns the defaults the sim subcommand documents.
func DefaultConfig() Config {
	return Config{
		Concurrency: 10,
		ColdStart:   2 * time.Second,
		DefaultExec: time.Second,
		Arrivals:    trace.Uniform,
		Seed:        1,
		Start:       time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC),
		Timeline:    -1,
	}
}

// Validate checks c, naming the first bad field.
func (c Config) Validate() error {
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency = %d, must be at least 1", c.Concurrency))
	}
	if c.ColdStart < 0 || c.ColdStartPerGB < 0 {
		errs = append(errs, fmt.Errorf("cold start = %s + %s per GB, must not be negative", c.ColdStart, c.ColdStartPerGB))
	}
	if c.DefaultExec <= 0 {
		errs = append(errs, fmt.Errorf("default execution time = %s, must be positive", c.DefaultExec))
	}
	if _, err := trace.ParseArrivalModel(string(c.Arrivals)); err != nil {
		errs = append(errs, err)
	}
	if c.Minutes < 0 || c.Workers < 0 || c.FromMinute < 0 {
		errs = append(errs, fmt.Errorf("from-minute = %d, minutes = %d and workers = %d, must not be negative", c.FromMinute, c.Minutes, c.Workers))
	}
	return errors.Join(errs...)
}

// coldStart is the delay for one function.
func (c *Config) coldStart(memMB float64) time.Duration {
	return c.ColdStart + saturatedDuration(float64(c.ColdStartPerGB)*memMB/1024)
}

// saturatedDuration is ns as a Duration, at most maxSimDuration: a trace's
// percentile of 1e13 ms (a finite number the durations file may hold)
// converted plainly wrapped to a negative execution time, and the requests
// ended as they started (found by a review). Past 36 years no replay tells
// the difference, and a few such spans added to a replay's time stay in
// range.
func saturatedDuration(ns float64) time.Duration {
	if ns >= float64(maxSimDuration) {
		return maxSimDuration
	}
	return time.Duration(ns)
}

const maxSimDuration = time.Duration(1 << 60)

// Window is the span of tr that cfg replays: the first minute and how many
// minutes, or an error naming from-minute when it is past the trace's end.
func (c Config) Window(tr *trace.Trace) (from, minutes int, err error) {
	if c.FromMinute >= tr.Minutes {
		return 0, 0, fmt.Errorf("from-minute = %d, but trace %s has minutes 0..%d", c.FromMinute, tr.Dir, tr.Minutes-1)
	}
	minutes = tr.Minutes - c.FromMinute
	if c.Minutes > 0 && c.Minutes < minutes {
		minutes = c.Minutes
	}
	return c.FromMinute, minutes, nil
}
