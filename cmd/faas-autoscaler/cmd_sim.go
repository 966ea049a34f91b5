package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
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

// simCmd is `faas-autoscaler sim`: replay a trace against policies.
func simCmd(args []string, stdout, stderr io.Writer) int {
	o, err := parseSimFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sim:", err)
		return 2
	}
	if os.Getenv("GOGC") == "" {
		// A replay allocates short-lived decision records at a high rate and
		// keeps little: a laxer collector takes a fifth off the CPU time of
		// the 200-function day (43.6 → 34.8 s user for faas-autoscaler) for
		// 76 → 148 MB of memory. Results do not depend on it.
		debug.SetGCPercent(400)
	}
	if err := simRun(o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "sim:", err)
		return 1
	}
	return 0
}

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

func simRun(o simOptions, stdout, stderr io.Writer) error {
	tr, err := synth.Open(o.traceDir)
	if err != nil {
		return err
	}
	if n := tr.MergeNote(); n != "" { // a dataset day's repeated rows, said once
		fmt.Fprintln(stderr, "sim: "+n)
	}
	for _, n := range tr.Notes { // durations or memory rows missing, calls before the trace
		fmt.Fprintln(stderr, "sim: "+n)
	}
	tr = tr.Sample(o.sample, o.sampleSeed)
	from, minutes, err := o.cfg.Window(tr)
	if err != nil {
		return fmt.Errorf("--from-minute: %w", err)
	}
	// The window replayed, said when it is not the whole trace: a
	// --minutes past the end is cut to it, and was cut silently (the JSON
	// recorded the minutes asked for, not those replayed).
	window := ""
	if from > 0 || minutes < tr.Minutes {
		// The count before it is the window's (the table's), so the
		// whole trace's is said here: it read as the window's.
		window = fmt.Sprintf(" in minutes %d..%d of %d (the whole trace: %d)", from, from+minutes-1, tr.Minutes, tr.Invocations())
	}
	if o.cfg.Minutes > minutes {
		fmt.Fprintf(stderr, "sim: --minutes %d from minute %d runs past the trace's end; replaying minutes %d..%d\n", o.cfg.Minutes, from, from, from+minutes-1)
	}
	if o.writeTrace != "" {
		if err := trace.WriteDir(o.writeTrace, tr); err != nil {
			return fmt.Errorf("--write-trace: %w", err)
		}
	}
	if o.timelineFn != "" {
		i, note, err := simFindFunction(tr, o.timelineFn)
		if err != nil {
			return err
		}
		if note != "" {
			fmt.Fprintln(stderr, "sim: "+note)
		}
		o.cfg.Timeline = i
	}
	policies, _ := o.policyList()
	var included []report.Document
	for _, p := range o.include {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("--include %s: %w", p, withoutPath(p, err))
		}
		d, err := report.ReadJSON(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--include %s: %w", p, err)
		}
		included = append(included, d)
	}
	// The invocations replayed: the window's (the whole trace's were said
	// with --minutes or --from-minute too).
	replaying := tr.Dir
	if window != "" {
		replaying = fmt.Sprintf("%s (minutes %d..%d of %d)", tr.Dir, from, from+minutes-1, tr.Minutes)
	}
	fmt.Fprintf(stderr, "replaying %s: %d functions, %d invocations, %d policies\n", replaying, len(tr.Functions), tr.InvocationsIn(from, minutes), len(policies))
	start := time.Now()
	bar := report.NewProgress(stderr, o.progress)
	rs, err := sim.Run(tr, o.cfg, policies, bar.Update)
	bar.Done()
	if err != nil {
		return err
	}
	sim.Normalise(rs, o.baseline)
	own := sim.Summaries(rs)
	ss := own
	for _, d := range included {
		ss = append(ss, simRebase(d.Results, d.Baseline, own, o.baseline)...)
	}
	fmt.Fprintf(stdout, "%s\n%s; %d functions, %d invocations%s; concurrency %d, cold start %s, arrivals %s, scrape %s (phase %s), seed %d; replayed in %s\n\n",
		report.AttributionOf(tr), tr.Dir, len(tr.Functions), tr.InvocationsIn(from, minutes), window, o.cfg.Concurrency, o.cfg.ColdStart, o.cfg.Arrivals, o.scrape, o.phase, o.cfg.Seed, time.Since(start).Round(time.Millisecond))
	if err := report.Table(stdout, ss, o.baseline); err != nil {
		return err
	}
	write := func(flag, path string, render func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		if err := report.WriteFile(path, render); err != nil {
			return fmt.Errorf("%s: %w", flag, err)
		}
		return nil
	}
	cfgMap := map[string]any{"concurrency": o.cfg.Concurrency, "cold_start": o.cfg.ColdStart.String(),
		"cold_start_per_gb": o.cfg.ColdStartPerGB.String(), "arrivals": o.cfg.Arrivals, "seed": o.cfg.Seed,
		"from_minute": o.cfg.FromMinute, "minutes": o.cfg.Minutes, "replayed_minutes": minutes,
		"controller_config": simConfigName(o.configPath), "scrape": o.scrape.String(), "scrape_phase": o.phase}
	end := float64(minutes) * 60
	return errors.Join(
		write("--csv", o.csvPath, func(w io.Writer) error { return report.CSV(w, ss) }),
		write("--functions-csv", o.fnCSV, func(w io.Writer) error { return report.FunctionsCSV(w, rs) }),
		write("--json", o.jsonPath, func(w io.Writer) error {
			return report.JSON(w, report.Document{Trace: tr.Dir, Attribution: report.AttributionOf(tr), Config: cfgMap, Baseline: o.baseline, Results: ss})
		}),
		write("--svg", o.svgPath, func(w io.Writer) error {
			return report.ParetoWith(w, ss, o.baseline, report.Chart{Attribution: report.AttributionOf(tr)})
		}),
		write("--timeline-svg", o.timelineSVG, func(w io.Writer) error {
			return report.Timeline(w, tr.Functions[o.cfg.Timeline].ID, rs, end, report.AttributionOf(tr))
		}),
	)
}

// simRebase renormalises included results to this run's baseline, when both
// runs have it, so all points share one axis. ours are the rows this run
// replayed. The included document's baseline row is left out only when
// this run replayed that policy too: it was left out whenever it was the
// included baseline, so an included fixed-10m vanished from a run whose
// --policies did not replay it.
func simRebase(in []sim.Summary, theirBase string, ours []sim.Summary, base string) []sim.Summary {
	var mine, theirs float64
	replayed := map[string]bool{}
	for _, s := range ours {
		replayed[s.Policy] = true
		if s.Policy == base {
			mine = s.IdleReplicaSec
		}
	}
	for _, s := range in {
		if s.Policy == theirBase && theirBase == base {
			theirs = s.IdleReplicaSec
		}
	}
	var out []sim.Summary
	for _, s := range in {
		if s.Policy == theirBase && replayed[s.Policy] {
			continue // already in this run
		}
		s.IdleNormalised = -1
		if mine > 0 && theirs > 0 {
			s.IdleNormalised = s.IdleReplicaSec / mine
		}
		out = append(out, s)
	}
	return out
}

// simFindFunction resolves --timeline-function: a number in the range of
// the trace's functions is an index; any other key is a prefix of one
// function's hash (a hex hash can begin with digits alone: 53141659… in
// the 200-function day was refused as an index out of range). A number
// that is both an index and a prefix of hashes keeps its index meaning,
// and note says so, naming how many hashes it is a prefix of.
func simFindFunction(tr *trace.Trace, key string) (i int, note string, err error) {
	if key == "" {
		return 0, "", errors.New("--timeline-function: empty; want an index or a prefix of a function's hash")
	}
	index, numErr := strconv.Atoi(key)
	isIndex := numErr == nil && index >= 0 && index < len(tr.Functions)
	found, matches := -1, 0
	for j, f := range tr.Functions {
		if strings.HasPrefix(f.ID, key) {
			if found < 0 {
				found = j
			}
			matches++
		}
	}
	switch {
	case isIndex:
		if strings.HasPrefix(tr.Functions[index].ID, key) {
			matches-- // the indexed function itself
		}
		switch {
		case matches == 1:
			note = fmt.Sprintf("--timeline-function %s is function %d, an index; another function's hash begins with %s too: give more of its hash to chart that one", key, index, key)
		case matches > 1:
			note = fmt.Sprintf("--timeline-function %s is function %d, an index; %d other functions' hashes begin with %s too: give more of a hash to chart one of those", key, index, matches, key)
		}
		return index, note, nil
	case matches == 1:
		return found, "", nil
	case matches > 1:
		return 0, "", fmt.Errorf("--timeline-function %q: a prefix of %d functions' hashes; give more of it", key, matches)
	case numErr == nil:
		return 0, "", fmt.Errorf("--timeline-function %s: not an index of the trace's functions 0..%d, nor a prefix of a function's hash", key, len(tr.Functions)-1)
	}
	return 0, "", fmt.Errorf("--timeline-function %q: no function's hash begins with it", key)
}

// simConfigName says which controller configuration a run used.
func simConfigName(path string) string {
	if path == "" {
		return "shipped defaults"
	}
	return path
}

// simSynthKinds lists the synthetic traces for the usage text.
func simSynthKinds() string {
	var s []string
	for _, k := range synth.Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}
