package scaler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// LastScaleUp is when the loop last scaled ref up (zero when never, or when
// its last change was down). The idler takes it as RecentScaleUp so that it
// never idles a function the scaler has just grown.
func (l *Loop) LastScaleUp(ref provider.Ref) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.fns[ref]
	if !ok || st.scaleDir != Up {
		return time.Time{}
	}
	return st.lastScale
}
