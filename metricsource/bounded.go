package metricsource

// Bounded is implemented by sources that bound every call themselves, so a
// caller adds no deadline of its own to a read: the Prometheus source bounds
// each read by prometheus.timeout, and a window it reads in chunks stops at
// its first failed chunk, so a Prometheus that hangs costs one timeout. The
// idler bounded such reads by actuator.call_timeout (10 s), the actuator's
// write deadline, which cut every cycle's read of a window of 10,000
// functions over 4 h in chunks (12.7 s): its functions were never idled.
// BoundsItsCalls may say false, for a wrapper over a source that does not.
type Bounded interface {
	BoundsItsCalls() bool
}

// BoundsItsCalls reports whether src bounds every call itself (Bounded).
func BoundsItsCalls(src any) bool {
	b, ok := src.(Bounded)
	return ok && b.BoundsItsCalls()
}
