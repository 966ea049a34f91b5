// The sim subcommand's flags (simOptions), their parsing and checks, and
// the policies --policies and --baseline name.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/ours"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// simPolicies are the policies `sim` knows, in the order they are shown.
var simPolicies = []string{"fixed-10m", "fixed-20m", "openfaas-ce", "k8s-hpa", "keda", "hybrid-histogram", "faas-autoscaler"}

// simOptions are the sim subcommand's flags.
type simOptions struct {
	traceDir, policies, baseline, arrivals, progress           string
	csvPath, jsonPath, svgPath, timelineSVG, fnCSV, timelineFn string
	writeTrace                                                 string
	include                                                    simList
	cfg                                                        sim.Config
	// controllerCfg is faas-autoscaler's configuration (--config over the
	// shipped defaults), the one `run` would use.
	controllerCfg config.Config
	configPath    string
	// scrape is how often faas-autoscaler's metrics source reads the
	// simulated gateway (0: the embedded source's default).
	scrape time.Duration
	// phase is --scrape-phase as given ("half" or a duration) and
	// scrapePhase what it means (ours.HalfInterval for "half").
	phase       string
	scrapePhase time.Duration
	// sample is --sample (0: every function), sampleSeed --sample-seed.
	sample     int
	sampleSeed uint64
}

// maxSimScrape bounds --scrape: a gateway read less often than this leaves
// the controller blind for longer than any down window it would act on.
const maxSimScrape = 5 * time.Minute

// scrapeFlag registers --scrape on fs, shared by sim and sim-eval.
func (o *simOptions) scrapeFlag(fs *flag.FlagSet) {
	fs.DurationVar(&o.scrape, "scrape", embedded.DefaultInterval, "how often faas-autoscaler reads the simulated gateway's metrics: Prometheus's scrape interval of the gateway job; 1s is the recommended setting")
	fs.StringVar(&o.phase, "scrape-phase", "half", "how long after the replay's start the first scrape falls, then one every --scrape: half (half the scrape interval: on its own ticker, a pass reads data this old on average) or a duration from 0 (just before the first pass) to below --scrape; the shipped scaler times its later passes after the scrapes (scaler.align_lag)")
}

// scrapeBurstWindow gives faas-autoscaler the burst window that ships at
// --scrape (config.BurstWindowFor: the chart's and deploy/prometheus'
// table), unless --config sets another than the default: the replays at
// --scrape 1s ran the default 10 s, a setting shipped at no 1 s scrape, and
// were reported as the recommended one.
func (o *simOptions) scrapeBurstWindow() {
	if o.scrape > 0 && o.controllerCfg.Scaler.BurstWindow == config.Default().Scaler.BurstWindow {
		// Never over the stable window (Validate): at scrapes over 30 s the
		// two scrapes do not fit, and the stable window is all there is.
		o.controllerCfg.Scaler.BurstWindow = min(config.BurstWindowFor(o.scrape), o.controllerCfg.Scaler.StableWindow)
	}
}

// checkScrape validates --scrape.
func (o simOptions) checkScrape() error {
	if o.scrape < embedded.MinInterval || o.scrape > maxSimScrape {
		return fmt.Errorf("--scrape %s: want a duration from %s to %s", o.scrape, embedded.MinInterval, maxSimScrape)
	}
	return nil
}

// parsePhase validates --scrape-phase against --scrape and sets scrapePhase.
func (o *simOptions) parsePhase() error {
	if o.phase == "half" {
		o.scrapePhase = ours.HalfInterval
		return nil
	}
	d, err := time.ParseDuration(o.phase)
	if err != nil || d < 0 || d >= o.scrape {
		return fmt.Errorf("--scrape-phase %q: want half or a duration from 0 to below --scrape (%s)", o.phase, o.scrape)
	}
	o.scrapePhase = d
	return nil
}

type simList []string

func (s *simList) String() string     { return strings.Join(*s, ",") }
func (s *simList) Set(v string) error { *s = append(*s, v); return nil }

func parseSimFlags(args []string, stderr io.Writer) (simOptions, error) {
	o := simOptions{cfg: sim.DefaultConfig()}
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: faas-autoscaler sim --trace DIR [flags]\n\nReplays an Azure Functions trace (2019 in either layout, or 2021) or a synthetic one against autoscaling policies.\n%s\n%s\n\nflags:\n", report.Attribution, report.Attribution2021)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.traceDir, "trace", os.Getenv("SIM_TRACE"), "trace folder (invocations.csv or inv.csv with optional durations and memory files; one day of the Azure 2019 dataset as downloaded, a folder holding one day or the day's invocations_per_function_md.anon.dNN.csv; or one 2021-schema app,func,end_timestamp,duration CSV), or synth:NAME[@SEED] with NAME one of "+simSynthKinds()+" (env SIM_TRACE)")
	fs.StringVar(&o.policies, "policies", strings.Join(simPolicies, ","), "comma-separated policies: "+strings.Join(simPolicies, ", "))
	fs.StringVar(&o.baseline, "baseline", "fixed-10m", "policy idle replica-seconds are normalised to")
	fs.IntVar(&o.cfg.Concurrency, "concurrency", o.cfg.Concurrency, "requests one replica serves at once")
	fs.DurationVar(&o.cfg.ColdStart, "cold-start", o.cfg.ColdStart, "delay from a replica requested to serving")
	fs.DurationVar(&o.cfg.ColdStartPerGB, "cold-start-per-gb", 0, "extra cold-start delay per GB of the function's memory")
	fs.DurationVar(&o.cfg.DefaultExec, "default-exec", o.cfg.DefaultExec, "execution time of functions without durations")
	fs.StringVar(&o.arrivals, "arrivals", string(o.cfg.Arrivals), "arrivals inside a minute: uniform, even or burst")
	fs.Uint64Var(&o.cfg.Seed, "seed", o.cfg.Seed, "seed of arrivals and execution times")
	fs.IntVar(&o.cfg.FromMinute, "from-minute", 0, "start the replay at this minute of the trace (0-based), from a fresh state")
	fs.IntVar(&o.cfg.Minutes, "minutes", 0, "replay only N minutes from --from-minute (0: to the end)")
	fs.IntVar(&o.sample, "sample", 0, "replay N of the trace's functions, drawn uniformly at random with --sample-seed (0: all); for a whole day of the Azure dataset, tens of thousands of functions")
	fs.Uint64Var(&o.sampleSeed, "sample-seed", trace.DefaultSampleSeed, "seed of --sample's draw")
	fs.StringVar(&o.writeTrace, "write-trace", "", "also write the trace (e.g. a synthetic one) to this folder in the Azure 2019 layout")
	fs.IntVar(&o.cfg.Workers, "workers", 0, "functions replayed at once (0: GOMAXPROCS)")
	o.scrapeFlag(fs)
	fs.StringVar(&o.configPath, "config", "", "faas-autoscaler policy: the controller's configuration file, as run --config reads it (default: the shipped configuration)")
	fs.StringVar(&o.csvPath, "csv", "", "write the summary as CSV to this file")
	fs.StringVar(&o.fnCSV, "functions-csv", "", "write per-function results as CSV to this file")
	fs.StringVar(&o.jsonPath, "json", "", "write the summary as JSON to this file")
	fs.StringVar(&o.svgPath, "svg", "", "write the Pareto chart (SVG) to this file")
	fs.StringVar(&o.timelineFn, "timeline-function", "", "function whose replicas over time are charted: its index (a number from 0 to the last function), else a prefix of its hash")
	fs.StringVar(&o.timelineSVG, "timeline-svg", "", "write the replicas-over-time chart (SVG) to this file (needs --timeline-function)")
	fs.Var(&o.include, "include", "merge results from a JSON file written by --json (e.g. bench/knative's KPA run); repeatable")
	fs.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.traceDir == "" {
		return o, errors.New("--trace is required (a folder with invocations.csv or inv.csv, or synth:NAME)")
	}
	m, err := trace.ParseArrivalModel(o.arrivals)
	if err != nil {
		return o, fmt.Errorf("--arrivals: %w", err)
	}
	o.cfg.Arrivals = m
	if err := o.checkNumbers(); err != nil {
		return o, err
	}
	if err := o.cfg.Validate(); err != nil {
		return o, err
	}
	if err := o.checkScrape(); err != nil {
		return o, err
	}
	if o.sample < 0 {
		return o, fmt.Errorf("--sample %d: want a number of functions, or 0 for all", o.sample)
	}
	if err := o.parsePhase(); err != nil {
		return o, err
	}
	if strings.HasPrefix(o.traceDir, synth.Prefix) {
		if _, err := synth.ParseSpec(o.traceDir); err != nil {
			return o, fmt.Errorf("--trace: %w", err)
		}
	}
	switch o.progress {
	case "auto", "always", "never":
	default:
		return o, fmt.Errorf("--progress %q: want auto, always or never", o.progress)
	}
	o.controllerCfg = config.Default()
	if o.configPath != "" {
		c, err := config.Load(o.configPath)
		if err != nil {
			return o, fmt.Errorf("--config: %w", err)
		}
		o.controllerCfg = c
	}
	o.scrapeBurstWindow()
	if (o.timelineSVG == "") != (o.timelineFn == "") {
		return o, errors.New("--timeline-svg and --timeline-function go together")
	}
	if err := o.checkPaths(); err != nil {
		return o, err
	}
	if _, err := o.policyList(); err != nil {
		return o, err
	}
	// --baseline is a policy name like --policies': an unknown one
	// replayed and printed a column of dashes. It need not be among
	// --policies (`--policies faas-autoscaler` alone keeps the default
	// fixed-10m, its column then empty), but it must name a policy; a
	// fixed-<duration> is written as the policy names itself (fixed-600s
	// is fixed-10m) so it matches when replayed.
	b, err := o.policy(strings.TrimSpace(o.baseline))
	if err != nil {
		return o, fmt.Errorf("--baseline: %w", err)
	}
	o.baseline = b.Name()
	return o, nil
}

func (o simOptions) policyList() ([]sim.Policy, error) {
	var out []sim.Policy
	for _, name := range strings.Split(o.policies, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		p, err := o.policy(name)
		if err != nil {
			return nil, fmt.Errorf("--policies: %w", err)
		}
		// Named twice (fixed-600s is fixed-10m): replayed twice, two
		// identical rows (a review's finding), as --namespaces refuses.
		if slices.ContainsFunc(out, func(q sim.Policy) bool { return q.Name() == p.Name() }) {
			return nil, fmt.Errorf("--policies: %s is given twice", p.Name())
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("--policies: no policy given")
	}
	return out, nil
}

// policy is the policy a name of --policies or --baseline stands for.
func (o simOptions) policy(name string) (sim.Policy, error) {
	switch name {
	case "fixed-10m":
		return peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}, nil
	case "fixed-20m":
		return peers.FixedKeepAlive{KeepAlive: 20 * time.Minute}, nil
	case "openfaas-ce":
		return peers.DefaultOpenFaaSCE(), nil
	case "k8s-hpa":
		return peers.DefaultHPA(), nil
	case "keda":
		return peers.DefaultKEDA(), nil
	case "hybrid-histogram":
		return peers.DefaultHybrid(), nil
	case "faas-autoscaler":
		p := ours.Default()
		p.Config = o.controllerCfg
		if o.scrape > 0 {
			p.Scrape, p.ScrapePhase = o.scrape, o.scrapePhase
		}
		return p, nil
	}
	if d, ok := strings.CutPrefix(name, "fixed-"); ok {
		if ka, err := time.ParseDuration(d); err == nil && ka > 0 {
			return peers.FixedKeepAlive{KeepAlive: ka}, nil
		}
	}
	return nil, fmt.Errorf("unknown policy %q (known: %s, or fixed-<duration>)", name, strings.Join(simPolicies, ", "))
}

// simSynthKinds lists the synthetic traces for the usage text.
func simSynthKinds() string {
	var s []string
	for _, k := range synth.Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}
