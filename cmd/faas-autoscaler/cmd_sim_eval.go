package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/eval"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// simEvalPolicies are the matrix's policies: the candidate, the baseline and
// every peer issue 12 names (Knative's KPA comes from bench/knative).
const simEvalPolicies = "fixed-10m,fixed-20m,fixed-60m,hybrid-histogram,k8s-hpa,keda,openfaas-ce,faas-autoscaler"

type simEvalOptions struct {
	traces, out, knative, only, tag, progress string
	// heldOut are --trace's traces, beside those found under --traces.
	heldOut []string
	// maxFunctions is --max-functions: a held-out trace with more functions
	// is replayed on a sample of this many.
	maxFunctions int
	// maxMinutes is --max-minutes: a longer held-out trace is replayed on
	// its first this many minutes.
	maxMinutes int
	parallel   int
	sim        simOptions
}

// defaultMaxFunctions is --max-functions' default: the size of the
// 1,000-function sample issue 12 measured its held-out figures on. The
// controller's fleet replay of a thousand functions takes about 30 s a day
// on one core; a held-out day's cells at a thousand (five then, seven since
// session 15 added seeds 1 and 2) took 3 min 39 s on two (Knative
// included), beside the matrix's own 2 min 44 s (docs/sim.md has the
// figures of session 26).
const defaultMaxFunctions = 1000

// defaultMaxMinutes is --max-minutes' default: one day, the span the
// matrix's cells and the protocol are written for (seeds, halves of a
// day). The published Azure 2021 trace is 14 days: its seven cells would
// replay about 70 days, some 1,500 CPU-seconds (an estimate), far
// over the 10-minute budget on 2 cores.
const defaultMaxMinutes = 1440

// simEvalCmd is `faas-autoscaler sim-eval`: the evaluation matrix.
func simEvalCmd(args []string, stdout, stderr io.Writer) int {
	o, err := parseSimEvalFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sim-eval:", err)
		return 2
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // as sim: less GC for short-lived records
	}
	if err := simEvalRun(o, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "sim-eval:", err)
		return 1
	}
	return 0
}

func parseSimEvalFlags(args []string, stderr io.Writer) (simEvalOptions, error) {
	o := simEvalOptions{sim: simOptions{cfg: sim.DefaultConfig(), policies: simEvalPolicies, baseline: "fixed-10m"}}
	fs := flag.NewFlagSet("sim-eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: faas-autoscaler sim-eval [flags]\n\nReplays the evaluation matrix of issue 12 (docs/sim.md) and judges faas-autoscaler against fixed-10m and its peers per cell.\n\nflags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.traces, "traces", "../shared/traces", "folder holding azure2019-invitro-200fn, azure2019-invitro-10fn and azure2021-invitro-200inv (a missing one is left out); every other folder in it with a CSV file is a held-out trace (report cells: seed 3 at c10, c1 and burst, and each half of a day-long trace)")
	fs.Func("trace", "one more held-out trace (as --traces' other folders): a trace folder, or one day's invocations file of the Azure 2019 dataset; repeatable", func(v string) error {
		if v == "" {
			return errors.New("empty")
		}
		o.heldOut = append(o.heldOut, v)
		return nil
	})
	fs.IntVar(&o.maxFunctions, "max-functions", defaultMaxFunctions, "a held-out trace of more functions is replayed on a uniform sample of this many (seed 1), labelled TRACE-sampleN (0: all functions; a day of the Azure dataset has tens of thousands, hours of replay)")
	fs.IntVar(&o.maxMinutes, "max-minutes", defaultMaxMinutes, "a held-out trace longer than this many minutes is replayed on its first this many (its halves are then 0-719 and 720 to this bound), labelled TRACE-day1 for a day (0: the whole trace; the Azure 2021 trace is 14 days)")
	fs.StringVar(&o.out, "out", "", "write eval.json, eval.csv, classes.csv and the charts (pareto-TRACE.svg, classes-TRACE.svg) into this folder")
	fs.StringVar(&o.knative, "knative", "", "bench/knative's binary: run Knative's KPA on every cell as one more peer (\"\": leave it out)")
	fs.StringVar(&o.only, "only", "", "run only the cells whose \"trace / setting\" contains this text")
	fs.StringVar(&o.tag, "tag", "all", "run only tune cells, only report cells, or all")
	fs.IntVar(&o.parallel, "parallel", 0, "replays at once (0: GOMAXPROCS)")
	fs.StringVar(&o.sim.configPath, "config", "", "faas-autoscaler's configuration file, as run --config reads it (default: the shipped configuration)")
	o.sim.scrapeFlag(fs)
	fs.DurationVar(&o.sim.cfg.ColdStart, "cold-start", o.sim.cfg.ColdStart, "delay from a replica requested to serving")
	fs.DurationVar(&o.sim.cfg.DefaultExec, "default-exec", o.sim.cfg.DefaultExec, "execution time of functions without durations")
	fs.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal), always or never")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch o.tag {
	case "all", string(eval.Tune), string(eval.Report):
	default:
		return o, fmt.Errorf("--tag %q: want tune, report or all", o.tag)
	}
	switch o.progress {
	case "auto", "always", "never":
	default:
		return o, fmt.Errorf("--progress %q: want auto, always or never", o.progress)
	}
	if o.maxFunctions < 0 {
		return o, fmt.Errorf("--max-functions = %d, must not be negative (0: all functions)", o.maxFunctions)
	}
	if o.maxMinutes < 0 {
		return o, fmt.Errorf("--max-minutes = %d, must not be negative (0: the whole trace)", o.maxMinutes)
	}
	if o.parallel < 0 {
		return o, fmt.Errorf("--parallel = %d, must not be negative", o.parallel)
	}
	if err := o.sim.checkNumbers(); err != nil {
		return o, err
	}
	if err := o.sim.cfg.Validate(); err != nil {
		return o, err
	}
	if err := o.sim.checkScrape(); err != nil {
		return o, err
	}
	if err := o.sim.parsePhase(); err != nil {
		return o, err
	}
	if o.knative != "" {
		if err := checkExecutable(o.knative); err != nil {
			return o, fmt.Errorf("--knative: %w", err)
		}
	}
	o.sim.controllerCfg = config.Default()
	if o.sim.configPath != "" {
		c, err := config.Load(o.sim.configPath)
		if err != nil {
			return o, fmt.Errorf("--config: %w", err)
		}
		o.sim.controllerCfg = c
	}
	o.sim.scrapeBurstWindow()
	if o.out != "" {
		if err := simEvalCheckOut(o.out); err != nil {
			return o, fmt.Errorf("--out %s: %w", o.out, err)
		}
	}
	return o, nil
}

// simEvalOutputs are the files sim-eval writes into --out besides the
// charts (named after the traces).
var simEvalOutputs = []string{"eval.json", "eval.csv", "classes.csv"}

// simEvalCheckOut creates the --out folder and checks its files can be
// written, before the matrix replays (minutes): it was first touched after
// the replay, so a path naming a regular file or a folder that cannot be
// written failed at the end, exit 1 naming no flag, and lost the results.
func simEvalCheckOut(dir string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return errors.New("is a file; want a folder")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create it: %w", withoutPath(dir, err))
	}
	for _, name := range simEvalOutputs {
		if err := simCheckWritable(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// checkExecutable refuses a path that cannot be run: a directory or a file
// without an execute bit was accepted, then every cell's run failed with
// "permission denied", was turned into a note, and sim-eval exited 0 with
// the peer missing from every cell.
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		return fmt.Errorf("%s is a directory, not bench/knative's binary (make sim-knative builds it)", path)
	case !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s is not an executable file (make sim-knative builds bench/knative's binary)", path)
	}
	return nil
}

// simEvalCells is the matrix over the folders present, filtered, and the
// held-out traces found (read once: eval.Opener hands them to the replays).
func simEvalCells(o simEvalOptions) ([]eval.Cell, []eval.HeldOut, error) {
	src := eval.DefaultSources(o.traces)
	for _, p := range []*string{&src.Day200, &src.Sample10, &src.Sample2021} {
		if _, err := os.Stat(*p); err != nil {
			*p = ""
		}
	}
	// Only the held-out traces a kept cell replays are read (--tag tune
	// reads none of them).
	cells, held, err := eval.SelectCells(src, o.traces, o.heldOut, o.maxFunctions, o.maxMinutes,
		eval.Selection{Tag: o.tag, Only: o.only})
	if err != nil {
		return nil, nil, withDatasetHint(err, o.traces)
	}
	if len(cells) == 0 {
		return nil, nil, fmt.Errorf("no cell left (--traces %s, --tag %s, --only %q)", o.traces, o.tag, o.only)
	}
	return cells, held, nil
}

// withDatasetHint completes the error of a folder of several days of the
// Azure 2019 dataset found under --traces: every folder there is one
// held-out trace, so the days must go elsewhere, one --trace FILE each;
// the bare advice to pass a day's file left the run failing on the folder.
func withDatasetHint(err error, traces string) error {
	var md *trace.MultiDayError
	if !errors.As(err, &md) || filepath.Clean(filepath.Dir(md.Dir)) != filepath.Clean(traces) {
		return err
	}
	return fmt.Errorf("%w; move %s out of --traces (each folder there is one held-out trace) and pass one --trace FILE per day to replay", err, md.Dir)
}

func simEvalRun(o simEvalOptions, stdout, stderr io.Writer) error {
	cells, held, err := simEvalCells(o)
	if err != nil {
		return err
	}
	for _, h := range held {
		if h.Note != "" { // rows merged or functions renamed apart
			fmt.Fprintln(stderr, "sim-eval: "+h.Note)
		}
		for _, n := range h.Notes { // durations or memory rows missing, calls before the trace
			fmt.Fprintln(stderr, "sim-eval: "+n) // each names its file
		}
		if h.FirstMinutes > 0 {
			fmt.Fprintf(stderr, "sim-eval: held-out trace %s (%d minutes) is replayed on its first %d (--max-minutes), as %s\n", h.Source, h.Minutes, h.FirstMinutes, h.Name)
		}
	}
	opts := eval.Options{Policies: o.sim.policyList, Candidate: "faas-autoscaler", Baseline: o.sim.baseline,
		Config: o.sim.cfg, Parallel: o.parallel, Knative: o.knative, Scrape: o.sim.scrape, ScrapePhase: o.sim.phase,
		Open: eval.Opener(held, synth.Open)}
	fmt.Fprintf(stderr, "sim-eval: %d cells × %d policies%s; faas-autoscaler scrapes the gateway every %s (phase %s)\n", len(cells), strings.Count(simEvalPolicies, ",")+1,
		map[bool]string{true: " + knative-kpa", false: ""}[o.knative != ""], o.sim.scrape, o.sim.phase)
	bar := report.NewProgress(stderr, o.progress)
	opts.Progress = bar.Update
	start := time.Now()
	rs, err := eval.Run(cells, opts)
	bar.Done()
	if err != nil {
		return err
	}
	d := eval.NewDocument(rs, opts)
	d.WallSeconds = time.Since(start).Round(10 * time.Millisecond).Seconds()
	d.CPUSeconds = simEvalCPU()
	if err := eval.Table(stdout, d); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := eval.ClassTable(stdout, d); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d cells in %.0f s wall, %.0f s CPU (user+sys, Knative's child processes included)\n", len(rs), d.WallSeconds, d.CPUSeconds)
	if o.out == "" {
		return nil
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	write := func(name string, render func(io.Writer, eval.Document) error) error {
		f, err := os.Create(filepath.Join(o.out, name))
		if err != nil {
			return err
		}
		if err := render(f, d); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return errors.Join(write("eval.json", eval.JSON), write("eval.csv", eval.CSV), write("classes.csv", eval.ClassCSV),
		eval.WriteCharts(o.out, d))
}

// simEvalCPU is this process's and its waited children's user+sys seconds.
func simEvalCPU() float64 {
	var total float64
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		}
	}
	return float64(int(total*10)) / 10
}
