package config

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/httpserver"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// Config is the controller's tuning: everything that changes how it decides
// and acts, as opposed to the wiring (provider, URLs, secrets, listen
// address, leader election, logging, dry-run), which stays in flags.
//
// It is read from a YAML file (--config) strictly: unknown keys and values of
// the wrong type are errors with file:line:col and the key's path. A key that
// is absent keeps its Default(); a key that is present keeps its value, zero
// included (an explicit 0 stays 0).
type Config struct {
	Scaler     Scaler     `yaml:"scaler"`
	Defaults   Defaults   `yaml:"defaults"`
	Idler      Idler      `yaml:"idler"`
	KeepAlive  KeepAlive  `yaml:"keep_alive"`
	Actuator   Actuator   `yaml:"actuator"`
	Prometheus Prometheus `yaml:"prometheus"`
	Server     Server     `yaml:"server"`
	Liveness   Liveness   `yaml:"liveness"`
}

// Scaler tunes the reconcile loop.
type Scaler struct {
	// Enabled runs horizontal scaling; false leaves only scale to zero (as
	// OpenFaaS Pro's horizontal_scaling flag). Was --horizontal-scaling.
	Enabled bool `yaml:"enabled"`
	// Interval between full evaluation passes. Was --interval.
	Interval time.Duration `yaml:"interval"`
	// StableWindow is the load window the scaler targets. Was --stable-window.
	StableWindow time.Duration `yaml:"stable_window"`
	// BurstWindow is the short window that detects bursts. Was --burst-window.
	BurstWindow time.Duration `yaml:"burst_window"`
	// HistorySize is how many recent decisions per function the explain API
	// keeps.
	HistorySize int `yaml:"history_size"`
	// AlignLag times each pass this long after a scrape of the gateway,
	// when the metrics source tells the scrapes' times (Prometheus, the
	// embedded source): the pass reads data this old instead of up to a
	// scrape interval. 0: passes on the scaler's own ticker.
	AlignLag time.Duration `yaml:"align_lag"`
}

// Defaults are the values a function's com.openfaas.scale.* labels override
// (scaler.Defaults, with YAML names).
type Defaults struct {
	Min              uint64        `yaml:"min"`
	Max              uint64        `yaml:"max"`
	Factor           uint64        `yaml:"factor"`
	Type             string        `yaml:"type"`
	Target           float64       `yaml:"target"`
	TargetProportion float64       `yaml:"target_proportion"`
	ZeroDuration     time.Duration `yaml:"zero_duration"`
	DownWindow       time.Duration `yaml:"down_window"`
	BurstThreshold   float64       `yaml:"burst_threshold"`
	Tolerance        float64       `yaml:"tolerance"`
	ScaleUpRate      float64       `yaml:"scale_up_rate"`
	ScaleUpPods      uint64        `yaml:"scale_up_pods"`
	ScaleDownRate    float64       `yaml:"scale_down_rate"`
	StepDedup        time.Duration `yaml:"step_dedup"`
	ExactCE          bool          `yaml:"exact_ce"`
}

// Idler tunes scale to zero.
type Idler struct {
	Enabled        bool          `yaml:"enabled"`         // was --idler
	Schedule       string        `yaml:"schedule"`        // was --idle-schedule
	MaintainMin    bool          `yaml:"maintain_min"`    // was --maintain-min
	RefusedBackoff time.Duration `yaml:"refused_backoff"` // was --idle-refused-backoff
}

// KeepAlive tunes the adaptive keep-alive (zero-duration: auto).
type KeepAlive struct {
	ColdStartWorth  time.Duration `yaml:"cold_start_worth"` // was --keepalive-cold-start-worth
	PreWarmShare    float64       `yaml:"prewarm_share"`    // was --keepalive-prewarm-share
	PreWarmInterval time.Duration `yaml:"prewarm_interval"` // was --prewarm-interval
	RebuildLookback time.Duration `yaml:"rebuild_lookback"` // was --keepalive-rebuild-lookback
	// RebuildTimeout bounds that rebuild as a whole. When the lookback's
	// parts would not all fit in it (the newest part timed first), the
	// rebuild reads the most recent span that does (keepalive's
	// RebuildWithin); one that still runs out keeps the parts read, and the
	// rest of the lookback is unknown (no idle time is learned across it). The default is the 30s it was hard-coded
	// at, kept on BenchmarkRebuildDay's figures (keepalive; docs/sim.md
	// "Restart and failover"). A day of 10,000 functions (29 parts) takes
	// the rebuild itself about 0.6 s, so within 30s the bound is
	// Prometheus' time to answer. A day of 100,000 (289 parts) takes it
	// about 15 s of its own on two shared cores (63-72 s before session
	// 38's cuts), 26 s with an instant fake's answers, with 114-134 MB of
	// live heap at the peak above what was held before, most of it the
	// policy and one part's decoded answer: 30s fits that only against an
	// instant Prometheus, and a longer bound holds that heap for longer in
	// a controller whose steady state there peaks at 246 of the chart's
	// 256 MiB (a start at that size was not measured end to end).
	// The feeder starts after the rebuild, and its first read reads back
	// over the rebuild's span when that took at most 10 minutes (its calls
	// placed within that one window). It also bounds, as each leadership
	// term starts, the read of the replica history since the counts
	// functions were idled from were current (the term's idler and
	// pre-warmer wait for it), and the term's fill of older history beside
	// them. Raise it for a fleet whose Prometheus answers slower than that
	// allows and whose memory limit has room.
	RebuildTimeout time.Duration `yaml:"rebuild_timeout"`
	// LearnStep is the resolution at which idle times are learned while
	// running: one activity read of every function per step. Coarser steps
	// blur the gaps between invocations (a minute with two calls says
	// nothing about whether they were 5 s or 55 s apart), and the plans
	// learned from blurred gaps let busy functions go cold between calls.
	// Steps finer than the gateway's scrape interval learn nothing more
	// (each read is the counter's difference since the previous step's, so
	// calls are counted once at any step). The rebuild from history
	// after a restart stays at one minute (RebuildStep) to keep its range
	// query small.
	LearnStep time.Duration `yaml:"learn_step"`
	// ReadTimeout bounds each of those reads against Prometheus, apart
	// from prometheus.timeout: that one is sized for the scaler's pass,
	// which must not wait on a slow Prometheus, and no pass waits on the
	// feeder's reads of calls already made. Under it, at 100,000 called
	// functions, one read in six failed (Prometheus answered in 4.4 s on
	// average against its 5 s), each a learn step unknown, no idle time
	// learned across it. The default is the default learn step, 15s: a
	// read may take up to a step without failing, and the feeder reads
	// back over a late read (up to four steps), so nothing is lost but
	// the wait; a read that fails after more than a step backs off as long
	// again, so a Prometheus that cannot answer in time is not kept busy
	// with it. The embedded source reads from memory and has no bound.
	ReadTimeout time.Duration `yaml:"read_timeout"`
}

// Actuator tunes the one writer of replicas.
type Actuator struct {
	// Workers is how many provider scale calls run at once (different
	// functions; one function is always one call at a time). Was
	// --idle-scale-concurrency for the idler alone.
	Workers int `yaml:"workers"`
	// CallTimeout bounds each provider call the actuator makes.
	CallTimeout time.Duration `yaml:"call_timeout"`
	// BackoffInitial and BackoffMax bound the per-function back-off after a
	// failed scale call (doubling from initial up to max).
	BackoffInitial time.Duration `yaml:"backoff_initial"`
	BackoffMax     time.Duration `yaml:"backoff_max"`
	// RefusedBackoff is how long a count the provider refused (OpenFaaS CE
	// refusing zero) is not asked for again.
	RefusedBackoff time.Duration `yaml:"refused_backoff"`
}

// Prometheus tunes the metrics source.
type Prometheus struct {
	CoverageSelector string        `yaml:"coverage_selector"` // was --prometheus-coverage-selector
	MaxScrapeGap     time.Duration `yaml:"max_scrape_gap"`    // was --prometheus-max-scrape-gap
	Timeout          time.Duration `yaml:"timeout"`           // was --prometheus-timeout
}

// Liveness is what /healthz (the livenessProbe) checks beyond the process
// answering: that the loops that change replicas still turn. A leader whose
// scaler pass or idler cycle hangs (a deadlock, a call that ignores its
// context) keeps renewing its Lease, so without this no other replica takes
// over and nothing restarts it (cluster-autoscaler's --max-inactivity).
type Liveness struct {
	// MaxInactivity: on the leader, /healthz answers 503 once the scaler
	// has completed no pass, or a due idler cycle has neither completed nor
	// had a scale call answered, for this long (the scaler's check at
	// least two scaler intervals); on any replica, once a term that ended
	// (a lost lease, shutdown) has had its loops not return for this long:
	// the elector stands again only after they return. 0 = off (always OK).
	MaxInactivity time.Duration `yaml:"max_inactivity"`
}

// DefaultMaxInactivity is liveness.max_inactivity's default:
// cluster-autoscaler's. A healthy pass takes well under a second at 100,000
// functions; a slow idler cycle keeps reporting progress (docs/reliability.md).
const DefaultMaxInactivity = 10 * time.Minute

// Default returns the shipped configuration. deploy/config/config.yaml is
// tested equal to it.
func Default() Config {
	d := scaler.DefaultDefaults()
	return Config{
		Scaler: Scaler{Enabled: true, Interval: 5 * time.Second, StableWindow: 60 * time.Second,
			BurstWindow: 10 * time.Second, HistorySize: 50, AlignLag: scaler.DefaultAlignLag},
		Defaults: FromScaler(d),
		Idler:    Idler{Enabled: true, Schedule: "@every 30s", RefusedBackoff: time.Hour},
		KeepAlive: KeepAlive{ColdStartWorth: 15 * time.Minute, PreWarmShare: 0.25, PreWarmInterval: 10 * time.Second,
			RebuildLookback: 24 * time.Hour, RebuildTimeout: 30 * time.Second, LearnStep: 15 * time.Second, ReadTimeout: 15 * time.Second},
		Actuator: Actuator{Workers: 8, CallTimeout: 10 * time.Second, BackoffInitial: time.Second,
			BackoffMax: time.Minute, RefusedBackoff: time.Hour},
		Prometheus: Prometheus{CoverageSelector: `up{job=~"gateway|openfaas-pods|openfaas-gateway",kubernetes_pod_name=~"(gateway-.+)?"}`,
			MaxScrapeGap: 30 * time.Second, Timeout: 5 * time.Second},
		Server:   ServerFrom(httpserver.Default()),
		Liveness: Liveness{MaxInactivity: DefaultMaxInactivity},
	}
}

// FromScaler converts scaler defaults to their configuration form.
func FromScaler(d scaler.Defaults) Defaults {
	return Defaults{Min: d.Min, Max: d.Max, Factor: d.Factor, Type: d.Type, Target: d.Target,
		TargetProportion: d.TargetProportion, ZeroDuration: d.ZeroDuration, DownWindow: d.DownWindow,
		BurstThreshold: d.BurstThreshold, Tolerance: d.Tolerance, ScaleUpRate: d.ScaleUpRate,
		ScaleUpPods: d.ScaleUpPods, ScaleDownRate: d.ScaleDownRate, StepDedup: d.StepDedup, ExactCE: d.ExactCE}
}

// Scaler converts the defaults to the scaler's form.
func (d Defaults) Scaler() scaler.Defaults {
	return scaler.Defaults{Min: d.Min, Max: d.Max, Factor: d.Factor, Type: d.Type, Target: d.Target,
		TargetProportion: d.TargetProportion, ZeroDuration: d.ZeroDuration, DownWindow: d.DownWindow,
		BurstThreshold: d.BurstThreshold, Tolerance: d.Tolerance, ScaleUpRate: d.ScaleUpRate,
		ScaleUpPods: d.ScaleUpPods, ScaleDownRate: d.ScaleDownRate, StepDedup: d.StepDedup, ExactCE: d.ExactCE}
}
