package keepalive

import "time"

// noteLearnedFrom records that the histories hold the calls read from t
// on: the start of the span the start's rebuild read (or of Prometheus'
// history, when later), of each older span a fill puts before it, or of
// the feeder's first successful read when nothing was rebuilt. The
// earliest is kept; a later one (each feeder read after the rebuild) moves
// nothing.
func (p *Policy) noteLearnedFrom(t time.Time) {
	if t.IsZero() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.learnedFrom.IsZero() || t.Before(p.learnedFrom) {
		p.learnedFrom = t
	}
}

// LearnedSince says how far back the calls the idle times were learned
// from reach (zero: nothing read yet; steps whose activity was unknown in
// between are counted apart, faas_autoscaler_keepalive_unknown_steps_total),
// and whether a fill is still reading the history before that: after a
// restart whose rebuild keep_alive.rebuild_timeout shortened, a rare
// function's plan rests on the last hours only until the fill ends.
func (p *Policy) LearnedSince() (since time.Time, filling bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// First calls are kept from the shortened rebuild's start: no fill
	// runs before that rebuild has learned its span.
	return p.learnedFrom, p.firsts != nil && !p.learnedFrom.IsZero()
}
