package embedded

import (
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// wokenAt finds a zero inside [from, to] followed by a count above zero now,
// and answers the first point above zero after the last zero.
func TestSeriesWokenAt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		s        *series
		from, to int64
		want     int64
		ok       bool
	}{
		{"never at zero", build(0, 1, 50, 2), 10, 100, 0, false},
		{"at zero now", build(0, 1, 50, 0), 10, 100, 0, false},
		{"woken inside", build(0, 0, 50, 1), 10, 100, 50, true},
		{"woken, then scaled up", build(0, 0, 50, 1, 60, 3), 10, 100, 50, true},
		{"zero in effect at from", build(0, 0, 50, 1), 49, 100, 50, true},
		{"zero ended exactly at from", build(0, 0, 50, 1), 50, 100, 0, false},
		{"zero before the window", build(0, 0, 5, 1, 50, 2), 10, 100, 0, false},
		{"the last of two wakes", build(0, 0, 20, 1, 30, 0, 70, 2), 10, 100, 70, true},
		{"absent between zero and up", build(0, 0, 40, nan, 60, 1), 10, 100, 60, true},
		{"absent now", build(0, 0, 50, 1, 90, nan), 10, 100, 0, false},
		{"no series", &series{}, 10, 100, 0, false},
	} {
		got, ok := tc.s.wokenAt(tc.from, tc.to)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: wokenAt = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// Activity.Woken holds a function woken from zero within the window, with
// the scrape that first saw it running, until a whole window has passed
// since; never one that stayed up or is still at zero.
func TestActivityWoken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		replicas := map[string]int{"woken": 0, "up": 2, "parked": 0}
		g := &fakeGateway{t0: time.Now(), render: func(_ time.Duration, b *strings.Builder) {
			mu.Lock()
			defer mu.Unlock()
			b.WriteString("# TYPE gateway_service_count gauge\n")
			for _, fn := range []string{"woken", "up", "parked"} {
				counter(b, MetricReplicas, fn, "", float64(replicas[fn]))
			}
		}}
		src := startSource(t, g)
		const w = 10 * time.Second
		advance(12*time.Second + 500*time.Millisecond)
		if a := activity(t, src, w); a.Woken != nil {
			t.Fatalf("nothing woken yet: %v", a.Woken)
		}
		mu.Lock()
		replicas["woken"] = 1
		mu.Unlock()
		wake := time.Now() // between scrapes: the next scrape sees it
		advance(3 * time.Second)
		a := activity(t, src, w)
		got, ok := a.Woken[fnRef("woken")]
		if !ok || len(a.Woken) != 1 {
			t.Fatalf("Woken = %v, want only woken", a.Woken)
		}
		if d := got.Sub(wake); d < 0 || d > time.Second {
			t.Errorf("woken at %s after the wake, want the next scrape (within 1s, never before)", d)
		}
		advance(w)
		if a := activity(t, src, w); a.Woken != nil {
			t.Errorf("a window after the wake: Woken = %v, want none", a.Woken)
		}
	})
}
