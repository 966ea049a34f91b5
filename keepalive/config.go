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
	// all): a function invoked r times an hour values a cold start at
	// ColdStartWorth × max(1, WorthRate / r). Functions rarer than
	// WorthRate an hour then pay the same idle time per point of their own
	// cold-start ratio, which is what users feel and what the per-function
	// (75th-percentile) cold-start ratio measures; without it rare
	// functions are always cold. Busier functions keep the fleet's price:
	// pricing their cold starts below it (WorthRate / r < 1, as this did
	// before) made a function called twice a minute go cold between calls
	// to save seconds of idle time, and doubled the fleet's cold starts.
	WorthRate float64
	// LearningKeepAlive is the keep-alive while a function has fewer than
	// MinSamples idle times. 0 (the default) keeps it for ColdStartWorth:
	// with nothing learned, idling for as long as the cold start it may save
	// is worth is the ski-rental rule, never more than twice the cost of the
	// best keep-alive in hindsight (Karlin et al., 1988), and needs no
	// constant of its own. Negative: the zero-duration label's fallback.
	LearningKeepAlive time.Duration
	// History is how many recent idle times per function are remembered
	// (at most maxHistory).
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

// Default returns the defaults. WorthRate was kept from issue 8 (chosen
// then on the whole 200-function Azure day, Shahrad et al., USENIX ATC
// 2020); the learning keep-alive (ColdStartWorth, the ski-rental rule), the
// price's floor and ColdStartWorth itself (15 min: the largest price at
// which cold starts and idle time both stay at or under fixed 10-minute
// keep-alive's, once cold starts were counted in requests) were chosen on
// the tuning split of issue 12 (the first half of that day; docs/sim.md)
// and are reported on the rest.
func Default() Config {
	return Config{
		ColdStartWorth: 15 * time.Minute,
		WorthRate:      10,
		History:        256,
		MinSamples:     10,
		// A day and an hour, not a day: a daily timer's idle times fall a
		// few seconds either side of 24 h, and at a 24 h horizon half of
		// them (all, called to the second, at the boundary) were "did not
		// come back": the cron job was never learned and every call of it
		// was cold (a review's finding).
		Horizon:           25 * time.Hour,
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

// maxHistory bounds History: a history's order holds its positions in
// two bytes each.
const maxHistory = 1 << 16

// Validate reports every problem (after defaults fill zero fields).
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.ColdStartWorth < 0 || c.Horizon < 0 || c.MinLead < 0 || c.MaxKeepAlive < 0 {
		errs = append(errs, errors.New("keepalive: durations must not be negative"))
	}
	if c.History < 2 || c.History > maxHistory || c.MinSamples < 1 || c.MinSamples > c.History {
		errs = append(errs, fmt.Errorf("keepalive: history = %d and min samples = %d: want 1 ≤ min samples ≤ history, 2 ≤ history ≤ %d",
			c.History, c.MinSamples, maxHistory))
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
