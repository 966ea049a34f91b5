package clock

import "time"

// Clock is what a loop needs from time: the current instant and a ticker.
type Clock interface {
	Now() time.Time
	NewTicker(d time.Duration) Ticker
}

// Ticker delivers ticks on C until stopped, like time.Ticker.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// Real returns the wall clock. Inside a testing/synctest bubble it is the
// bubble's virtual clock, which is how loops are tested without sleeps.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }
