package scaler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// LastScaleUp is when the loop last scaled ref up for load (zero when
// never, or when its last change was down or a raise to a floor: its min,
// a scheduled minimum, UpToFloor). The idler takes it as RecentScaleUp so
// that it never idles a function the scaler has just grown; a floor raise
// protects nobody's calls (the floor itself holds the function while it
// lasts), and counted here it held a function a zero-duration past the end
// of its scheduled minimum.
func (l *Loop) LastScaleUp(ref provider.Ref) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.fns[ref]
	if !ok || st.scaleDir != Up {
		return time.Time{}
	}
	return st.lastScale
}
