package ours

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/controller"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// Namespace of the simulated functions.
const Namespace = "openfaas-fn"

// Policy is faas-autoscaler as it ships: one controller assembly
// (controller.New, as `faas-autoscaler run` builds it) over every function
// of the trace. Every function is opted in to scale to zero with the
// adaptive keep-alive (com.openfaas.scale.zero-duration: auto) and scaled
// on in-flight requests (type capacity, target = the replica's
// concurrency); those labels are per-function input, not tuning.
type Policy struct {
	// Label is the policy's name in results.
	Label string
	// Config is the controller's configuration (config.Default(): what
	// ships).
	Config config.Config
	// ZeroDuration is the fixed zero-duration label used instead of "auto"
	// when positive (to compare the controller with a fixed keep-alive).
	ZeroDuration time.Duration
	// TargetProportion is the target-proportion label when above 0; at 0
	// (Default) no label is set and Config.Defaults.TargetProportion
	// applies, as for a function without the label under run: a label the
	// sim set itself made `sim --config` ignore defaults.target_proportion.
	TargetProportion float64
	// Scrape is the embedded metrics source's interval over the simulated
	// gateway's counters.
	Scrape time.Duration
	// ScrapePhase is how long after the scaler's first pass the first
	// scrape falls, in [0, Scrape), or HalfInterval. Prometheus's scrapes
	// and the controller's start keep their own phases: half an interval
	// is the mean, and what Default sets. The shipped scaler times its
	// later passes a lag after the scrapes (scaler.align_lag, through
	// Loop.NextTick), so the phase matters little to it; with align_lag 0
	// a pass reads data of any age up to an interval, and at phase 0 every
	// scrape falls just before a pass and the follow-ups (every second
	// after a scale-up) read nothing newer than their pass.
	ScrapePhase time.Duration

	// everySecond runs FollowUp every second, as Loop.Run does, instead of
	// skipping the seconds when no function awaits one: the test that the
	// skip changes nothing.
	everySecond bool
	// neverFollowUp leaves FollowUp out: the test that follow-ups act.
	neverFollowUp bool
}

// HalfInterval as a ScrapePhase is half the scrape interval.
const HalfInterval time.Duration = -1

// phase is p.ScrapePhase resolved.
func (p Policy) phase() time.Duration {
	if p.ScrapePhase == HalfInterval {
		return p.Scrape / 2
	}
	return p.ScrapePhase
}

// Default returns the shipped controller.
func Default() Policy {
	return Policy{Label: "faas-autoscaler", Config: config.Default(), Scrape: embedded.DefaultInterval,
		ScrapePhase: HalfInterval}
}

func (p Policy) Name() string { return p.Label }

// MaxReplicas is every simulated function's com.openfaas.scale.max: far
// above what any trace needs, because the baseline (fixed keep-alive)
// starts a replica for every request that needs one, without a cap. At
// 1000, the 200-function day's busiest function at concurrency 1 (4,400
// requests in flight at its peaks) queued behind the cap for 21 s, a
// figure of the label, not of the policy.
const MaxReplicas = "100000"

// labels are a function's com.openfaas.scale.* labels.
func (p Policy) labels(fn sim.FunctionInfo) map[string]string {
	zd := scaler.ZeroDurationAuto
	if p.ZeroDuration > 0 {
		zd = p.ZeroDuration.String()
	}
	l := map[string]string{
		scaler.LabelType:         "capacity",
		scaler.LabelTarget:       strconv.Itoa(fn.Concurrency),
		scaler.LabelMax:          MaxReplicas,
		scaler.LabelZero:         "true",
		scaler.LabelZeroDuration: zd,
	}
	if p.TargetProportion > 0 {
		l[scaler.LabelTargetProportion] = strconv.FormatFloat(p.TargetProportion, 'f', -1, 64)
	}
	return l
}

// NewFleet builds the controller over the simulator's functions: the only
// differences from `faas-autoscaler run` are the wiring (a provider whose
// functions are the replays, the embedded source fed from the simulated
// gateway's counters, a virtual clock) and that the parts' one-pass methods
// are called at the times their Run loops would call them.
func (p Policy) NewFleet(infos []sim.FunctionInfo, start time.Time, plat sim.Platform) (sim.Fleet, error) {
	clk := &vclock{now: start}
	fns := make([]provider.Function, len(infos))
	names := make([]string, len(infos))
	for i, fi := range infos {
		ref := provider.Ref{Name: fmt.Sprintf("fn%03d", fi.Index), Namespace: Namespace}
		fns[i] = provider.Function{Ref: ref, Labels: p.labels(fi), CreatedAt: start}
		names[i] = ref.String()
	}
	prov := newSimProvider(Namespace, plat, fns)
	if ph := p.phase(); ph < 0 || ph >= p.Scrape {
		return nil, fmt.Errorf("scrape phase %s: want at least 0 and below the scrape interval %s", ph, p.Scrape)
	}
	sc := embedded.DefaultConfig()
	sc.Interval, sc.Clock = p.Scrape, clk
	src, err := embedded.New(sc)
	if err != nil {
		return nil, err
	}
	ctl, err := controller.New(p.Config, controller.Wiring{}, controller.Deps{Provider: prov, Source: src, Clock: clk})
	if err != nil {
		return nil, err
	}
	f := &fleet{clk: clk, start: start, plat: plat, src: src, ctl: ctl, names: names, cfg: p.Config, scrapeEvery: p.Scrape, everySecond: p.everySecond, neverFollow: p.neverFollowUp,
		samples: make([]embedded.Sample, 0, 3*len(infos)),
		// Source.Run and Loop.Run act at once, the tickers after a period.
		nextScrape: start.Add(p.phase()), nextScale: start, nextFollow: start.Add(scaler.FollowUpEvery), nextFeed: start.Add(p.Config.KeepAlive.LearnStep),
		nextPreWarm: start.Add(p.Config.KeepAlive.PreWarmInterval)}
	if ctl.Idler != nil {
		f.nextIdle = ctl.Idler.NextRun(start)
	}
	return f, nil
}

// fleet drives one controller.Controller on virtual time.
type fleet struct {
	clk         *vclock
	plat        sim.Platform
	src         *embedded.Source
	ctl         *controller.Controller
	names       []string
	cfg         config.Config
	scrapeEvery time.Duration
	samples     []embedded.Sample // the page of the last scrape: five per function in exposed
	exposed     []int             // the functions on the page (invoked at least once), in order
	everySecond bool              // see Policy.everySecond
	neverFollow bool              // see Policy.neverFollowUp
	start       time.Time

	nextScrape, nextScale, nextFollow, nextIdle, nextPreWarm, nextFeed time.Time
	// due is schedules' array, filled again at every step of the replay
	// (a fresh slice per step was 80,000 allocations a replayed day).
	due [6]*time.Time
}

// Arrival is the gateway: a request for a function at zero asks the
// provider for one replica at once (OpenFaaS scale-from-zero, which does
// not go through the controller).
func (f *fleet) Arrival(_ int, _ time.Time, s sim.State) sim.Decision {
	if s.Desired == 0 {
		return sim.Decision{Replicas: 1, Reason: "gateway_scale_from_zero"}
	}
	return sim.Decision{Replicas: sim.Keep}
}

// schedules are the parts that run, with their next times.
func (f *fleet) schedules() []*time.Time {
	s := append(f.due[:0], &f.nextScrape)
	if f.cfg.Scaler.Enabled {
		s = append(s, &f.nextScale)
		// FollowUp does nothing while no function awaits one, but every
		// second of it would be a step of every replay (a fifth of the
		// day's replay time). Skipped, its ticks stay on their grid
		// (whole seconds from the start, as Loop.Run's ticker), and the
		// first one after a pass that asks for one runs it.
		if !f.neverFollow && (f.everySecond || f.ctl.Loop.FollowingUp()) {
			s = append(s, &f.nextFollow)
		}
	}
	if f.ctl.Idler != nil {
		s = append(s, &f.nextIdle, &f.nextPreWarm, &f.nextFeed)
	}
	return s
}

func (f *fleet) Next() time.Time {
	s := f.schedules()
	t := *s[0]
	for _, n := range s[1:] {
		if n.Before(t) {
			t = *n
		}
	}
	return t
}

// Pass runs what is due at now, in the order data flows: the scrape, the
// keep-alive's feed, the scaler, the idler, the pre-warmer.
func (f *fleet) Pass(now time.Time) {
	ctx := context.Background()
	f.clk.now = now
	due := func(t *time.Time) bool { return !now.Before(*t) }
	if due(&f.nextScrape) {
		f.scrape(now)
		f.nextScrape = now.Add(f.scrapeEvery)
	}
	if f.ctl.Feeder != nil && due(&f.nextFeed) {
		f.ctl.Feeder.RunOnce(ctx, now)
		f.nextFeed = now.Add(f.cfg.KeepAlive.LearnStep)
	}
	if f.cfg.Scaler.Enabled && due(&f.nextScale) {
		_ = f.ctl.Loop.Tick(ctx, now) // errors are the loop's to log; this provider never fails
		// As Loop.Run: a lag after the scrapes when scaler.align_lag is set
		// (the embedded source tells them), else every interval.
		f.nextScale = f.ctl.Loop.NextTick(ctx, now)
	}
	if f.cfg.Scaler.Enabled && due(&f.nextFollow) {
		// Loop.Run's second ticker: functions that just scaled up are
		// re-evaluated every second for one burst window. A pass off its
		// grid (a scrape at another phase) after skipped ticks is not one
		// of its ticks: those did nothing, as no function awaited one.
		if now.Sub(f.start)%scaler.FollowUpEvery == 0 && !f.neverFollow {
			_ = f.ctl.Loop.FollowUp(ctx, now)
		}
		f.nextFollow = f.followTickAfter(now)
	}
	if f.ctl.Idler != nil && due(&f.nextIdle) {
		f.ctl.Idler.RunOnce(ctx, now)
		f.nextIdle = f.ctl.Idler.NextRun(now)
	}
	if f.ctl.PreWarm != nil && due(&f.nextPreWarm) {
		f.ctl.PreWarm.RunOnce(ctx, now)
		f.nextPreWarm = now.Add(f.cfg.KeepAlive.PreWarmInterval)
	}
}

// followTickAfter is the follow-up ticker's first tick after now.
func (f *fleet) followTickAfter(now time.Time) time.Time {
	k := now.Sub(f.start)/scaler.FollowUpEvery + 1
	return f.start.Add(k * scaler.FollowUpEvery)
}

// scrape feeds the embedded source what the gateway's /metrics shows: the
// counters, the in-flight gauge and the duration histogram's sum and count
// of every function invoked since the gateway started (the gateway has no
// series for a function never invoked). The started counter grows when the
// gateway proxies a request (after a scale from zero, which it waits out
// first); the invocation total and the histogram when a request ends (the
// gateway's "completed" event), timed from the gateway's start.
//
// A function once invoked stays on the page, in the functions' order, so
// the page is laid out again only when one is invoked for the first time;
// at other scrapes only its values are written (each function's five
// samples from exposed[k]).
func (f *fleet) scrape(now time.Time) {
	k := 0 // functions on the page so far
	gws := f.plat.AllGateways()[:len(f.names)]
	for i := range gws {
		s := &gws[i]
		if s.Arrivals == 0 {
			continue
		}
		if k == len(f.exposed) || f.exposed[k] != i {
			f.layOut(i, k)
		}
		p := f.samples[5*k : 5*k+5 : 5*k+5]
		p[0].Value = float64(s.Completed)
		p[1].Value = float64(s.Started)
		p[2].Value = float64(s.InGateway)
		p[3].Value = s.CompletedSeconds
		p[4].Value = float64(s.Completed)
		k++
	}
	f.src.Observe(now, f.samples[:5*k])
}

// layOut puts function i's five series on the page at place k, before the
// functions that follow it (a function invoked for the first time).
func (f *fleet) layOut(i, k int) {
	name := f.names[i]
	f.exposed = slices.Insert(f.exposed, k, i)
	f.samples = slices.Insert(f.samples, 5*k,
		embedded.Sample{Metric: embedded.MetricTotal, FunctionName: name, Code: "200"},
		embedded.Sample{Metric: embedded.MetricStarted, FunctionName: name},
		embedded.Sample{Metric: embedded.MetricInflight, FunctionName: name},
		embedded.Sample{Metric: embedded.MetricSecondsSum, FunctionName: name, Code: "200"},
		embedded.Sample{Metric: embedded.MetricSecondsCount, FunctionName: name, Code: "200"})
}
