package controller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// hangs is a provider whose listings, once hang is set, block until the
// test ends, ignoring their context (a call that hangs where a deadline
// should have ended it), and whose scale calls take scaleTakes.
type hangs struct {
	*memory.Provider
	hang       atomic.Bool
	release    chan struct{}
	scaleTakes time.Duration
}

func (h *hangs) block() {
	if h.hang.Load() {
		<-h.release
	}
}

func (h *hangs) Namespaces(ctx context.Context) ([]string, error) {
	h.block()
	return h.Provider.Namespaces(ctx)
}

func (h *hangs) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	h.block()
	return h.Provider.Functions(ctx, namespace)
}

// ScaleFrom is the actuator's write (provider.ScaleIf: the memory
// provider's conditional one).
func (h *hangs) ScaleFrom(ctx context.Context, ref provider.Ref, from, to uint64) error {
	time.Sleep(h.scaleTakes)
	return h.Provider.ScaleFrom(ctx, ref, from, to)
}

// ScaleFromCreated is the actuator's write when the intent names the
// function's creation time, as every listed one does here.
func (h *hangs) ScaleFromCreated(ctx context.Context, ref provider.Ref, from, to uint64, created time.Time) error {
	time.Sleep(h.scaleTakes)
	return h.Provider.ScaleFromCreated(ctx, ref, from, to, created)
}

// live is a controller over a hangs provider with n functions, acting while
// leading says so, and its /healthz.
type live struct {
	t       *testing.T
	p       *hangs
	ctl     *Controller
	mux     http.Handler
	leading atomic.Bool
	reg     *prometheus.Registry
	stops   []context.CancelFunc
}

func newLive(t *testing.T, cfg config.Config, n int, fnLabels map[string]string) *live {
	t.Helper()
	l := &live{t: t, p: &hangs{Provider: memory.New(clock.Real(), memory.Options{}), release: make(chan struct{})}, reg: prometheus.NewRegistry()}
	l.leading.Store(true)
	for i := range n {
		if err := l.p.Deploy(provider.Function{Ref: ref(fmt.Sprintf("f%d", i)), Replicas: 1, Labels: fnLabels,
			CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	src := scalertest.NewSource()
	// Covered and no calls: every function opted in is idle.
	src.SetActivity(metricsource.Activity{Covered: true, Started: metricsource.Values{}})
	ctl, err := New(cfg, Wiring{Namespaces: []string{ns}}, Deps{Provider: l.p, Source: src, Registerer: l.reg, Leading: l.leading.Load})
	if err != nil {
		t.Fatal(err)
	}
	l.ctl = ctl
	l.mux = Mux(ctl, http.NotFoundHandler(), l.reg, func() error { return nil })
	return l
}

// act runs the controller's acting parts, as a term does, until stop (or
// end). A hung loop returns only once end lets its listing go.
func (l *live) act() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	l.stops = append(l.stops, cancel)
	go l.ctl.Act(ctx)
	return cancel
}

// end stops every term and lets blocked listings go, so the bubble ends.
func (l *live) end() {
	for _, stop := range l.stops {
		stop()
	}
	close(l.p.release)
	synctest.Wait()
}

// healthz is /healthz's status and body.
func (l *live) healthz() (int, string) {
	rec := httptest.NewRecorder()
	l.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	return rec.Code, rec.Body.String()
}

// stays checks /healthz answers 200 OK every minute for d.
func (l *live) stays(d time.Duration, what string) {
	l.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); {
		time.Sleep(time.Minute)
		if code, body := l.healthz(); code != http.StatusOK || body != "OK\n" {
			l.t.Fatalf("%s: /healthz %d %q, want 200 OK", what, code, body)
		}
	}
}

// TestHealthzFailsWhenThePassHangs: a leader whose scaler pass hangs in a
// provider listing that ignores its context keeps its Lease, so only the
// livenessProbe can end it: /healthz answers 200 until no pass has
// completed for liveness.max_inactivity, then 503 naming the loop.
//
// Seen failing with /healthz answering "OK" as before (the handler's Live
// check removed): "10m5s after the listing hung: /healthz 200 "OK\n", want
// 503 …".
func TestHealthzFailsWhenThePassHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig() // scaler.interval 2s, liveness.max_inactivity 10m
		cfg.Idler.Enabled = false
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		l.act()
		l.stays(time.Hour, "passing")
		l.p.hang.Store(true)
		hung := time.Now()
		// The last pass completed at most an interval before the hang.
		time.Sleep(10*time.Minute - 3*time.Second)
		if code, body := l.healthz(); code != http.StatusOK {
			t.Fatalf("%s after the listing hung: /healthz %d %q, want 200 until max_inactivity", time.Since(hung), code, body)
		}
		time.Sleep(8 * time.Second)
		code, body := l.healthz()
		want := regexp.MustCompile(`^stalled: no scaler pass completed for 10m[5-7]s \(max_inactivity 10m\)\n$`)
		if code != http.StatusServiceUnavailable || !want.MatchString(body) {
			t.Fatalf("%s after the listing hung: /healthz %d %q, want 503 %s", time.Since(hung), code, body, want)
		}
	})
}

// TestHealthzChecksOnlyTheIdlerWithTheScalerOff: with scaler.enabled false
// the loop never passes, and that is no stall; the idler's cycles are
// checked, from when each is due.
func TestHealthzChecksOnlyTheIdlerWithTheScalerOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig() // idler @every 5s
		cfg.Scaler.Enabled = false
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		l.act()
		l.stays(time.Hour, "the idler cycling, the scaler off")
		l.p.hang.Store(true)
		hung := time.Now()
		// The hung cycle was due at most 5 s before the hang.
		time.Sleep(10*time.Minute - 6*time.Second)
		if code, body := l.healthz(); code != http.StatusOK {
			t.Fatalf("%s after the listing hung: /healthz %d %q, want 200 until max_inactivity", time.Since(hung), code, body)
		}
		time.Sleep(12 * time.Second)
		code, body := l.healthz()
		want := regexp.MustCompile(`^stalled: no idler cycle completed for 10m\d+s, one due for 10m\d+s \(max_inactivity 10m\)\n$`)
		if code != http.StatusServiceUnavailable || !want.MatchString(body) {
			t.Fatalf("%s after the listing hung: /healthz %d %q, want 503 %s", time.Since(hung), code, body, want)
		}
	})
}

// TestHealthzIdlerOnItsSchedule: a daily idler that is not due is not
// stalled for the day between its cycles.
func TestHealthzIdlerOnItsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Idler.Schedule = "0 3 * * *"
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		l.act()
		l.stays(30*time.Hour, "a daily idler and a passing scaler")
	})
}

// TestHealthzIdlerRescheduled: a reload from a daily schedule to @every 1m
// two hours after the last cycle makes the idler wait a minute from the
// reload, not overdue by two hours.
//
// Seen failing without Reload's mark: "just after the reload: /healthz 503
// \"stalled: no idler cycle completed for 2h, one due for 1h59m…".
func TestHealthzIdlerRescheduled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false
		cfg.Idler.Schedule = "0 3 * * *" // the bubble starts at midnight
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		l.act()
		l.stays(5*time.Hour, "a daily idler")
		next := cfg
		next.Idler.Schedule = "@every 1m"
		if _, err := l.ctl.Reload(next); err != nil {
			t.Fatal(err)
		}
		if code, body := l.healthz(); code != http.StatusOK {
			t.Fatalf("just after the reload: /healthz %d %q, want 200", code, body)
		}
		l.stays(30*time.Minute, "the idler on its new schedule")
	})
}

// TestHealthzFollowerAndNewTerm: a replica that does not lead is live even
// with a loop hung (it acts on nothing; a restart fixes nothing), and a
// term that starts an hour after the last pass of the one before counts
// from its own start.
func TestHealthzFollowerAndNewTerm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		stop := l.act()
		l.stays(5*time.Minute, "first term")
		l.leading.Store(false)
		stop()
		l.stays(time.Hour, "following")

		l.p.hang.Store(true) // the next term's loops hang at once
		l.leading.Store(true)
		l.act()
		l.stays(9*time.Minute, "a new term, its first pass hung for less than max_inactivity")
		time.Sleep(70 * time.Second)
		code, body := l.healthz()
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "no scaler pass completed for 10m10s") ||
			!strings.Contains(body, "no idler cycle completed for 10m10s") {
			t.Fatalf("10m10s into a term whose loops hung at once: /healthz %d %q, want 503 naming both loops", code, body)
		}
		l.leading.Store(false) // the lease lost; the hung Act has not returned
		l.stays(time.Hour, "a follower whose hung term has not returned")
	})
}

// TestHealthzOffAtZero: liveness.max_inactivity 0 never fails.
func TestHealthzOffAtZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Liveness.MaxInactivity = 0
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		l.p.hang.Store(true)
		l.act()
		l.stays(2*time.Hour, "max_inactivity 0, both loops hung")
	})
}

// TestHealthzSlowIdlerCycleIsMoving: a cycle that idles 1,500 functions one
// scale call a second lasts 25 minutes (as idling tens of thousands at once
// through the Kubernetes provider's 50 requests a second would), but its
// calls are answered: it is not stalled. And the loops' gauge tells when
// each last completed.
//
// Seen failing without the idler's answers counted (answering's mark
// removed): "cycling one scale call a second: /healthz 503 \"stalled: no
// idler cycle completed for 10m…".
func TestHealthzSlowIdlerCycleIsMoving(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Enabled = false
		cfg.Actuator.Workers = 1
		l := newLive(t, cfg, 1500, labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "1m"))
		l.p.scaleTakes = time.Second
		defer l.end()
		l.act()
		l.stays(40*time.Minute, "cycling one scale call a second")
		idled := 0
		fns, _ := l.p.Provider.Functions(t.Context(), ns)
		for _, f := range fns {
			if f.Replicas == 0 {
				idled++
			}
		}
		if idled != len(fns) {
			t.Fatalf("%d of %d functions idled in 40m: the cycle was not the slow one the test is about", idled, len(fns))
		}
		got := lastCompleted(t, l.reg)
		if _, ok := got["scaler"]; ok {
			t.Errorf("the scaler's last completion exported with the scaler off: %v", got)
		}
		if at, ok := got["idler"]; !ok || time.Since(at) > 5*time.Second {
			t.Errorf("the idler's last completion = %v (exported %v), want within its 5 s schedule of now %v", at, ok, time.Now())
		}
	})
}

// lastCompleted is faas_autoscaler_loop_last_completed_timestamp_seconds by loop.
func lastCompleted(t *testing.T, g prometheus.Gatherer) map[string]time.Time {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, mf := range mfs {
		if mf.GetName() != "faas_autoscaler_loop_last_completed_timestamp_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = time.Unix(0, int64(m.GetGauge().GetValue()*1e9))
		}
	}
	return out
}

// TestHealthzWholeStackForHours: the assembly on the simulated gateway and
// the embedded source, one function called in bursts and one idled and
// woken, stays live for three hours, and exports both loops' last
// completion within their periods.
func TestHealthzWholeStackForHours(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		s := newStack(t, cfg, Wiring{},
			fn{name: "busy", replicas: 1, work: gatewaysim.Workload{Duration: 50 * time.Millisecond, Load: gatewaysim.Pattern{
				{For: 5 * time.Minute, RPS: 200}, {For: 55 * time.Minute, RPS: 2}}}},
			fn{name: "nap", replicas: 1, labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "30s"),
				work: gatewaysim.Workload{Duration: 10 * time.Millisecond, Load: gatewaysim.Pattern{
					{For: 50 * time.Minute}, {For: 10 * time.Minute, RPS: 1}}}})
		mux := Mux(s.ctl, http.NotFoundHandler(), s.reg, func() error { return nil })
		ctx, cancel := context.WithCancel(t.Context())
		defer func() { cancel(); synctest.Wait() }()
		s.run(ctx)
		for range 180 {
			time.Sleep(time.Minute)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("/healthz %d %q, want 200", rec.Code, rec.Body)
			}
		}
		got := lastCompleted(t, s.reg)
		for loop, period := range map[string]time.Duration{"scaler": cfg.Scaler.Interval, "idler": 5 * time.Second} {
			if at, ok := got[loop]; !ok || time.Since(at) > period {
				t.Errorf("%s's last completion = %v (exported %v), want within %s of %v", loop, at, ok, period, time.Now())
			}
		}
		if len(s.writes("busy")) == 0 || len(s.writes("nap")) == 0 {
			t.Errorf("no replica changed (busy %v, nap %v): the loops were not doing their work", s.writes("busy"), s.writes("nap"))
		}
	})
}

// TestMaxInactivityIsRestartOnly: a reload names liveness.max_inactivity
// and keeps the value in force, as it keeps the scaler.interval the value
// was checked against.
//
// Seen failing without its restartOnly line: "restart-only keys [], want
// liveness.max_inactivity; in force 20m".
func TestMaxInactivityIsRestartOnly(t *testing.T) {
	cfg := testConfig()
	l := newLive(t, cfg, 1, nil)
	next := cfg
	next.Liveness.MaxInactivity = 20 * time.Minute
	restart, err := l.ctl.Reload(next)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.ctl.Config().Liveness.MaxInactivity; !slices.Contains(restart, "liveness.max_inactivity") || got != cfg.Liveness.MaxInactivity {
		t.Errorf("restart-only keys %v, want liveness.max_inactivity; in force %s", restart, config.FormatDuration(got))
	}
}

// TestHealthzWaitsTwoScalerIntervals: a scaler that passes every 15m (an
// interval valid before liveness.max_inactivity existed, and the e2e
// suite's 10m) is not stalled 10m after a pass; its check waits two
// intervals, and says so when it fails.
//
// Seen failing with the bound at max_inactivity alone (the max with two
// intervals removed): "passing every 15m: /healthz 503 \"stalled: no scaler
// pass completed for 10m…".
func TestHealthzWaitsTwoScalerIntervals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Scaler.Interval = 15 * time.Minute
		cfg.Idler.Enabled = false
		if err := cfg.Validate(); err != nil {
			t.Fatalf("a 15m scaler interval with the default max_inactivity refused: %v", err)
		}
		l := newLive(t, cfg, 3, nil)
		defer l.end()
		l.act()
		l.stays(3*time.Hour, "passing every 15m")
		l.p.hang.Store(true)
		hung := time.Now()
		// The last pass completed at most an interval before the hang.
		time.Sleep(30*time.Minute - 15*time.Minute - time.Second)
		if code, body := l.healthz(); code != http.StatusOK {
			t.Fatalf("%s after the listing hung: /healthz %d %q, want 200 within two intervals of the last pass", time.Since(hung), code, body)
		}
		time.Sleep(16 * time.Minute)
		code, body := l.healthz()
		// 31m after the hang: the last pass 31 to 46 minutes ago.
		want := regexp.MustCompile(`^stalled: no scaler pass completed for (3\d|4[0-6])m\d*s? \(two scaler intervals: 30m\) \(max_inactivity 10m\)\n$`)
		if code != http.StatusServiceUnavailable || !want.MatchString(body) {
			t.Fatalf("%s after the listing hung: /healthz %d %q, want 503 %s", time.Since(hung), code, body, want)
		}
	})
}
