package peers

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

var t0 = time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

var fn1 = sim.FunctionInfo{Concurrency: 1, ColdStart: 2 * time.Second}

func TestFixedKeepAlive(t *testing.T) {
	tests := []struct {
		name string
		run  func(c sim.Controller) []sim.Decision
		want []int // replicas of each decision
	}{
		{
			name: "first request starts one replica, kept 10 min",
			run: func(c sim.Controller) []sim.Decision {
				return []sim.Decision{
					c.Arrival(at(5), sim.State{}),
					c.Wake(at(605), sim.State{Desired: 1, Ready: 1}),
				}
			},
			want: []int{1, 0},
		},
		{
			name: "second concurrent request starts a second replica; both kept 10 min after it",
			run: func(c sim.Controller) []sim.Decision {
				return []sim.Decision{
					c.Arrival(at(5), sim.State{}),
					c.Arrival(at(6), sim.State{Desired: 1, Starting: 1, Queued: 1}),
					c.Wake(at(605), sim.State{Desired: 2, Ready: 2}),
					c.Wake(at(606), sim.State{Desired: 2, Ready: 2}),
				}
			},
			want: []int{1, 2, 2, 0},
		},
		{
			name: "a later request renews the keep-alive",
			run: func(c sim.Controller) []sim.Decision {
				return []sim.Decision{
					c.Arrival(at(5), sim.State{}),
					c.Arrival(at(300), sim.State{Desired: 1, Ready: 1}),
					c.Wake(at(605), sim.State{Desired: 1, Ready: 1}),
					c.Wake(at(900), sim.State{Desired: 1, Ready: 1}),
				}
			},
			want: []int{1, 1, 1, 0},
		},
		{
			name: "a request running past the keep-alive keeps its replica",
			run: func(c sim.Controller) []sim.Decision {
				return []sim.Decision{
					c.Arrival(at(5), sim.State{}),
					c.Wake(at(605), sim.State{Desired: 1, Ready: 1, Inflight: 1}),
				}
			},
			want: []int{1, 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := tc.run(FixedKeepAlive{KeepAlive: 10 * time.Minute}.NewController(fn1, t0))
			for i, d := range ds {
				if d.Replicas != tc.want[i] {
					t.Errorf("decision %d = %d replicas (%s), want %d", i, d.Replicas, d.Reason, tc.want[i])
				}
			}
			if w := ds[0].Wake; !w.Equal(at(605)) {
				t.Errorf("first wake at %v, want 10 min after the request", w.Sub(t0))
			}
		})
	}
}

func TestCEStep(t *testing.T) {
	tests := []struct {
		name                 string
		current, max, factor int
		want                 int
	}{
		{"defaults add one", 1, 5, 10, 2},
		{"capped at 5 even when max is higher", 5, 20, 10, 5},
		{"factor 25 steps by 2", 1, 5, 25, 3},
		{"factor 100 goes to max", 1, 5, 100, 5},
		{"factor 0 changes nothing", 2, 5, 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CEStep(tc.current, tc.max, tc.factor); got != tc.want {
				t.Errorf("CEStep(%d, %d, %d) = %d, want %d", tc.current, tc.max, tc.factor, got, tc.want)
			}
		})
	}
}

// TestOpenFaaSCETimeline drives CE with 10 rps from t=0 to t=100 s, then
// nothing. Hand-computed: scrapes at 1, 6, 11 …; evaluations at 15, 30 …;
// rate > 5 at 15 (pending) and 30 (firing); AlertManager's first flush at
// 35 (group_wait 5 s) → 2 replicas; repeats every 40 s at 75 → 3 and
// 115 → 4 (AlertManager re-sends an unchanged group only once its last
// notification is strictly older than repeat_interval, 30 s: DedupStage's
// needsUpdate, entry.Timestamp.Before(now − repeat), notify/dedup_stage.go
// in v0.35.0; the fourth 10 s group tick, prometheus/alertmanager#917);
// at 120 the rate is 0 → resolved; the next group tick (125) drops to min 1.
//
// Seen failing before the fix (found by a review; the model re-sent at
// 30 s): changes map[35:2 65:3 95:4 125:1], want 75 → 3 and 115 → 4
func TestOpenFaaSCETimeline(t *testing.T) {
	c := DefaultOpenFaaSCE().NewController(fn1, t0)
	d := c.(sim.Starter).Start(t0)
	replicas := d.Replicas
	changes := map[float64]int{}
	for i := 0; i < 1000 && !d.Wake.IsZero() && d.Wake.Before(at(200)); i++ {
		now := d.Wake
		s := now.Sub(t0).Seconds()
		arr := uint64(10 * min(s, 100))
		d = c.Wake(now, sim.State{Desired: replicas, Ready: replicas, Arrivals: arr})
		if d.Replicas != sim.Keep && d.Replicas != replicas {
			replicas = d.Replicas
			changes[s] = replicas
		}
	}
	want := map[float64]int{35: 2, 75: 3, 115: 4, 125: 1}
	if len(changes) != len(want) {
		t.Fatalf("changes %v, want %v", changes, want)
	}
	for s, r := range want {
		if changes[s] != r {
			t.Errorf("at %vs: %d replicas, want %d (all changes %v)", s, changes[s], r, changes)
		}
	}
}

func TestHPARecommend(t *testing.T) {
	h := DefaultHPA()
	c := newHPACore(h, sim.FunctionInfo{Concurrency: 10}) // target 7 per replica
	tests := []struct {
		name    string
		metric  float64
		current int
		want    int
	}{
		{"on target", 14, 2, 2},
		{"9 % over stays (tolerance 0.1)", 15.26, 2, 2},
		{"11 % over scales", 15.54, 2, 3},
		{"half load halves", 7, 2, 1},
		{"large load", 70, 2, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, why := c.recommend(tc.metric, tc.current); got != tc.want {
				t.Errorf("recommend(%v, %d) = %d (%s), want %d", tc.metric, tc.current, got, why, tc.want)
			}
		})
	}
}

func TestHPABehaviour(t *testing.T) {
	tests := []struct {
		name  string
		steps []struct {
			at               float64
			current, desired int
		}
		want []int
	}{
		{
			name: "scale-up limited to max(current+4, 2×current) per 15 s",
			steps: []struct {
				at               float64
				current, desired int
			}{{15, 1, 40}, {30, 5, 40}, {45, 10, 40}, {60, 20, 40}},
			want: []int{5, 10, 20, 40},
		},
		{
			name: "scale-down waits until the highest recommendation leaves the 300 s window",
			steps: []struct {
				at               float64
				current, desired int
			}{{15, 10, 10}, {30, 10, 2}, {300, 10, 2}, {314, 10, 2}, {315, 10, 2}},
			want: []int{10, 10, 10, 10, 2},
		},
		{
			name: "never below min 1; no history means no stabilisation",
			steps: []struct {
				at               float64
				current, desired int
			}{{15, 3, 0}, {30, 1, 0}},
			want: []int{1, 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newHPACore(DefaultHPA(), sim.FunctionInfo{Concurrency: 10})
			for i, s := range tc.steps {
				got, why := c.normalise(at(s.at), s.current, s.desired)
				c.record(at(s.at), s.current, got)
				if got != tc.want[i] {
					t.Errorf("step %d (t=%v, current %d, desired %d) = %d (%s), want %d", i, s.at, s.current, s.desired, got, why, tc.want[i])
				}
			}
		})
	}
}

// TestKEDA: a request at 10 s is seen by the poll at 30 s (activation 0 → 1);
// with no further load the cooldown (300 s after the last active poll) takes
// the function to zero at the poll at 330 s.
func TestKEDA(t *testing.T) {
	c := DefaultKEDA().NewController(sim.FunctionInfo{Concurrency: 10}, t0)
	d := c.Arrival(at(10), sim.State{})
	replicas, arrivals := 0, uint64(1)
	changes := map[float64]int{}
	for i := 0; i < 100 && d.Wake.Before(at(400)); i++ {
		now := d.Wake
		d = c.Wake(now, sim.State{Desired: replicas, Ready: replicas, Arrivals: arrivals})
		if d.Replicas != sim.Keep && d.Replicas != replicas {
			replicas = d.Replicas
			changes[now.Sub(t0).Seconds()] = replicas
		}
	}
	if len(changes) != 2 || changes[30] != 1 || changes[330] != 0 {
		t.Errorf("changes %v, want 1 at 30 s and 0 at 330 s", changes)
	}
}

func TestHybridWindows(t *testing.T) {
	tests := []struct {
		name string
		its  []time.Duration
		want Windows
	}{
		{
			name: "too few idle times: keep alive for the range",
			its:  repeat(30*time.Minute, 5),
			want: Windows{KeepAlive: 4 * time.Hour, Reason: "too_few_samples"},
		},
		{
			name: "periodic every 30 min: pre-warm at 27 min, keep to 34.1 min",
			its:  repeat(30*time.Minute, 20),
			want: Windows{PreWarm: 27 * time.Minute, KeepAlive: 34*time.Minute + 6*time.Second, Reason: "histogram"},
		},
		{
			name: "spread evenly over the range: not representative",
			its:  spread(240),
			want: Windows{KeepAlive: 4 * time.Hour, Reason: "not_representative"},
		},
		{
			name: "mostly beyond 4 h: predicted from recent ones ± 15 %",
			its:  repeat(6*time.Hour, 12),
			want: Windows{PreWarm: 5*time.Hour + 6*time.Minute, KeepAlive: 6*time.Hour + 54*time.Minute, Reason: "oob_predicted"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultHybrid().NewController(fn1, t0).(*hybridCtl)
			for _, it := range tc.its {
				c.observe(it)
			}
			if got := c.windows(); got != tc.want {
				t.Errorf("windows = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func spread(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i)*time.Minute + 30*time.Second
	}
	return out
}

// TestHybridPreWarms: a function invoked every 30 minutes is unloaded after
// each invocation and loaded again at 27 minutes.
func TestHybridPreWarms(t *testing.T) {
	c := DefaultHybrid().NewController(fn1, t0)
	var d sim.Decision
	for i := 0; i <= 20; i++ {
		d = c.Arrival(at(float64(i*1800)), sim.State{Desired: 1, Ready: 1})
	}
	last := at(20 * 1800)
	d = c.Wake(d.Wake, sim.State{Desired: 1, Ready: 1}) // idle: unload
	if d.Replicas != 0 || !d.Wake.Equal(last.Add(27*time.Minute)) {
		t.Fatalf("after the invocation: %d replicas, wake %v; want 0 and the pre-warm point", d.Replicas, d.Wake.Sub(last))
	}
	d = c.Wake(d.Wake, sim.State{})
	if d.Replicas != 1 || d.Reason != "pre_warm" {
		t.Fatalf("at the pre-warm point: %d replicas (%s), want 1 (pre_warm)", d.Replicas, d.Reason)
	}
	d = c.Wake(d.Wake, sim.State{Desired: 1, Ready: 1})
	if d.Replicas != 0 || d.Reason != "keep_alive_expired" {
		t.Fatalf("after the keep-alive: %d replicas (%s), want 0", d.Replicas, d.Reason)
	}
}

// TestKEDAFirstRequestLate: a first request hours after the start waits for
// the next poll on the 30 s grid, not a burst of missed polls.
func TestKEDAFirstRequestLate(t *testing.T) {
	c := DefaultKEDA().NewController(sim.FunctionInfo{Concurrency: 10}, t0)
	d := c.Arrival(at(4*3600+10), sim.State{})
	if !d.Wake.Equal(at(4*3600 + 15)) {
		t.Fatalf("first wake at %v, want the next 15 s sync (4h0m15s)", d.Wake.Sub(t0))
	}
	d = c.Wake(d.Wake, sim.State{Arrivals: 1, Queued: 1})
	if d.Replicas != sim.Keep || !d.Wake.Equal(at(4*3600+30)) {
		t.Fatalf("at the sync: %d replicas, next wake %v; want no change until the poll at 4h0m30s", d.Replicas, d.Wake.Sub(t0))
	}
	if d = c.Wake(d.Wake, sim.State{Arrivals: 1, Queued: 1}); d.Replicas != 1 {
		t.Errorf("at the poll: %d replicas, want activation to 1", d.Replicas)
	}
}
