package actuator

import "time"

// SetTuning swaps the actuator's timings (a configuration reload): the call
// deadline and the back-offs. What it remembers of each function is kept;
// a back-off already running ends when it was due to.
func (a *Actuator) SetTuning(callTimeout, backoffInitial, backoffMax, refusedBackoff time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	// The copy is taken under the lock: another reload writes these fields.
	c := a.cfg
	c.CallTimeout, c.BackoffInitial, c.BackoffMax, c.RefusedBackoff = callTimeout, backoffInitial, backoffMax, refusedBackoff
	if err := c.Validate(); err != nil {
		return err
	}
	// Field by field: other fields (the clock) are read without the lock.
	a.cfg.CallTimeout, a.cfg.BackoffInitial, a.cfg.BackoffMax, a.cfg.RefusedBackoff = callTimeout, backoffInitial, backoffMax, refusedBackoff
	return nil
}

// callTimeout is the deadline of one attempt, read under the lock because a
// reload may change it.
func (a *Actuator) callTimeout() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg.CallTimeout
}
