package idler

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The keep-alive a cycle gives each opted-in function: its label or the
// default, floored at the shortest window the metrics source covers, or an
// automatic one (the KeepAlivePolicy) rounded up to a ladder of windows.

// autoSource is what an automatic keep-alive's source says.
type autoSource struct {
	why  string
	keep time.Duration
}

// maxAutoSources bounds Idler.autoSources (cleared when full).
const maxAutoSources = 1024

// autoWindows is the ladder adaptive keep-alives are rounded up to, so that
// the number of activity queries per cycle stays bounded (at most
// len(autoWindows)+1 for all auto functions together) however many distinct
// values a policy returns. Rounding up only keeps a function longer; the
// steps are fine where keep-alives usually are (whole minutes up to 20m, so
// at most a minute more there) and coarser beyond (at most 25% more).
var autoWindows = func() []time.Duration {
	out := []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 45 * time.Second}
	for m := 1; m <= 20; m++ {
		out = append(out, time.Duration(m)*time.Minute)
	}
	for _, m := range []int{25, 30, 40, 50, 60, 75, 90, 105, 120, 150, 180, 210, 240, 300, 360} {
		out = append(out, time.Duration(m)*time.Minute)
	}
	for h := 8; h <= 24; h += 2 {
		out = append(out, time.Duration(h)*time.Hour)
	}
	return out
}()

// quantizeAuto rounds a policy's keep-alive up to the ladder; beyond 24h to
// whole hours.
// The ladder's first step at least d, found by a binary search (every
// auto function asks every cycle: the walk along the ladder was a third of
// keepAlive).
func quantizeAuto(d time.Duration) time.Duration {
	lo, hi := 0, len(autoWindows) // by hand: slices.BinarySearch is a call, not inlined
	for lo < hi {
		if m := int(uint(lo+hi) >> 1); autoWindows[m] < d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(autoWindows) {
		return autoWindows[lo]
	}
	return d.Truncate(time.Hour) + time.Hour
}

// keepAlive resolves a function's keep-alive and the activity window to
// query; at is the function's place in the listing (nil: none). The caller
// holds cycleMu.
func (d *Idler) keepAlive(ref provider.Ref, at *placed, spec ZeroSpec, now time.Time) (keep, window time.Duration, source string) {
	if !spec.Auto {
		if f := d.coveredFloor; spec.Duration < f {
			// The same floor for a label: a 15s zero-duration at a 5 s
			// scrape was never covered, missing_data every cycle.
			return f, f, fmt.Sprintf("%s %s, queried over %s: the shortest window the metrics source covers", spec.DurationSource, spec.Duration, f)
		}
		return spec.Duration, spec.Duration, spec.DurationSource
	}
	if d.cfg.KeepAlive == nil {
		return spec.Duration, spec.Duration, "auto without a keep-alive policy: default"
	}
	k, why := d.cfg.KeepAlive.KeepAlive(ref, spec.Duration, spec.Serves, now)
	if k <= 0 {
		return spec.Duration, spec.Duration, "auto: policy gave no duration, default"
	}
	w := quantizeAuto(k)
	floor := false
	if f := d.coveredFloor; w < f {
		// A shorter window would never read as covered (Prometheus at a
		// 5 s scrape covers no 10 s window): the function would stay warm
		// for good, the plan never acted on.
		w, floor = quantizeAuto(f), true
	}
	if at != nil && at.gen == d.autoGen && at.keep == k && at.why == why {
		return w, w, at.src // what autoSources holds for them
	}
	key := autoSource{why: why, keep: k}
	src, ok := d.autoSources[key]
	if !ok {
		if d.autoSources == nil || len(d.autoSources) >= maxAutoSources {
			d.autoSources = make(map[autoSource]string)
			d.autoGen++
		}
		src = fmt.Sprintf("auto: %s (policy %s, rounded up to the %s query window)", why, k, w)
		if floor {
			src = fmt.Sprintf("auto: %s (policy %s; %s query window, the shortest the metrics source covers)", why, k, w)
		}
		d.autoSources[key] = src
	}
	if at != nil {
		at.why, at.keep, at.gen, at.src = why, k, d.autoGen, src
	}
	return w, w, src
}
