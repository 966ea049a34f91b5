package peers

import "time"

// demand remembers, over a sliding window, the most replicas the function
// needed at any arrival: a sliding-window maximum kept as a deque of
// decreasing needs. Keep-alive policies size warm capacity with it, so each
// replica lives for the window after the last request that needed it, which
// is how per-instance keep-alive behaves in Lambda-style platforms.
type demand struct {
	window time.Duration
	at     []time.Time
	need   []int
}

// need is the replicas needed to run every request in flight or queued, plus
// the one arriving now.
func need(inflight, queued, concurrency int) int {
	return (inflight + queued + 1 + concurrency - 1) / concurrency
}

func (d *demand) add(now time.Time, n int) {
	d.expire(now)
	for len(d.need) > 0 && d.need[len(d.need)-1] <= n {
		d.need, d.at = d.need[:len(d.need)-1], d.at[:len(d.at)-1]
	}
	d.need, d.at = append(d.need, n), append(d.at, now)
}

// expire drops needs older than the window.
func (d *demand) expire(now time.Time) {
	k := 0
	for k < len(d.at) && !d.at[k].Add(d.window).After(now) {
		k++
	}
	if k > 0 {
		d.at, d.need = d.at[k:], d.need[k:]
	}
}

// max is the largest need inside the window (0 when none).
func (d *demand) max(now time.Time) int {
	d.expire(now)
	if len(d.need) == 0 {
		return 0
	}
	return d.need[0]
}

// next is when the current maximum leaves the window (zero when empty).
func (d *demand) next() time.Time {
	if len(d.at) == 0 {
		return time.Time{}
	}
	return d.at[0].Add(d.window)
}
