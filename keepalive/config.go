package keepalive

import (
	"errors"
	"fmt"
	"time"
)

// Config tunes the policy. Zero values take the defaults of Default.
type Config struct {
	// ColdStartWorth is how much idle replica time one avoided cold start is
	// worth: a window is kept only where the chance of an invocation in it
	// pays for the idle time at this price (--keepalive-cold-start-worth).
	ColdStartWorth time.Duration
	// WorthRate makes the price per function (negative: off, one price for
	// all): a function
	// invoked r times an hour values a cold start at ColdStartWorth ×
	// WorthRate / r. Every function then pays the same idle time per point
	// of its own cold-start ratio, which is what users feel and what the
	// per-function (75th-percentile) cold-start ratio measures; without it
	// busy functions dominate and rare ones are always cold.
	WorthRate float64
	// LearningKeepAlive replaces the fallback while a function has fewer
	// than MinSamples idle times (negative: use the fallback). A function that has
	// been seen only a few times is likely a rare one, and for rare
	// functions a long first keep-alive is what avoids the next cold start
	// (the hybrid policy keeps its whole 4 h range there).
	LearningKeepAlive time.Duration
	// History is how many recent idle times per function are remembered.
	History int
	// MinSamples is how many idle times a function needs before the policy
	// trusts them; below it the fallback keep-alive applies.
	MinSamples int
	// Horizon is the longest idle time learned; longer ones count as "did
	// not come back" (they still cost the keep-alive they waited through).
	Horizon time.Duration
	// Margin widens every learned window on both sides (share of its edge).
	Margin float64
	// MinLead is the least a pre-warm starts ahead of the predicted
	// invocation, to cover the replica's start.
	MinLead time.Duration
	// MaxKeepAlive bounds the keep-alive after an invocation.
	MaxKeepAlive time.Duration
	// PeriodicTolerance: idle times whose spread (5th to 95th percentile)
	// is within this share of their median are a timer.
	PeriodicTolerance float64
	// PreWarmShare bounds the functions pre-warmed at once, as a share of
	// the functions known to the policy (keep_alive.prewarm_share). Unlike
	// the other fields, 0 is kept: it turns pre-warming off.
	PreWarmShare float64
}

// Default returns the defaults. ColdStartWorth, WorthRate, LearningKeepAlive
// and MinSamples were chosen on the 200-function Azure day (Shahrad et al.,
// USENIX ATC 2020) as the setting that meets the project's goal there (see
// docs/benchmarks.md); they are a starting point, not a law.
func Default() Config {
	return Config{
		ColdStartWorth:    time.Hour,
		WorthRate:         10,
		LearningKeepAlive: 3 * time.Hour,
		History:           256,
		MinSamples:        10,
		Horizon:           24 * time.Hour,
		Margin:            0.10,
		MinLead:           30 * time.Second,
		MaxKeepAlive:      4 * time.Hour,
		PeriodicTolerance: 0.10,
		PreWarmShare:      0.25,
	}
}

func (c Config) withDefaults() Config {
	d := Default()
	set := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	set(&c.ColdStartWorth, d.ColdStartWorth)
	set(&c.Horizon, d.Horizon)
	set(&c.MinLead, d.MinLead)
	set(&c.MaxKeepAlive, d.MaxKeepAlive)
	if c.WorthRate == 0 {
		c.WorthRate = d.WorthRate
	}
	if c.LearningKeepAlive == 0 {
		c.LearningKeepAlive = d.LearningKeepAlive
	}
	if c.History == 0 {
		c.History = d.History
	}
	if c.MinSamples == 0 {
		c.MinSamples = d.MinSamples
	}
	if c.Margin == 0 {
		c.Margin = d.Margin
	}
	if c.PeriodicTolerance == 0 {
		c.PeriodicTolerance = d.PeriodicTolerance
	}
	// PreWarmShare is not defaulted: 0 is a meaningful value (never
	// pre-warm) and must stay 0; start from Default() for the default share.
	return c
}

// Validate reports every problem (after defaults fill zero fields).
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.ColdStartWorth < 0 || c.Horizon < 0 || c.MinLead < 0 || c.MaxKeepAlive < 0 {
		errs = append(errs, errors.New("keepalive: durations must not be negative"))
	}
	if c.History < 2 || c.MinSamples < 1 || c.MinSamples > c.History {
		errs = append(errs, fmt.Errorf("keepalive: history = %d and min samples = %d: want 1 ≤ min samples ≤ history, history ≥ 2", c.History, c.MinSamples))
	}
	if c.Margin < 0 || c.Margin >= 1 {
		errs = append(errs, fmt.Errorf("keepalive: margin = %g, must be in [0, 1)", c.Margin))
	}
	if c.PeriodicTolerance < 0 || c.PeriodicTolerance >= 1 {
		errs = append(errs, fmt.Errorf("keepalive: periodic tolerance = %g, must be in [0, 1)", c.PeriodicTolerance))
	}
	if c.PreWarmShare < 0 || c.PreWarmShare > 1 {
		errs = append(errs, fmt.Errorf("keepalive: pre-warm share = %g, must be in [0, 1]", c.PreWarmShare))
	}
	return errors.Join(errs...)
}
