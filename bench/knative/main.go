package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

func main() { os.Exit(run()) }

func run() int {
	cfg := sim.DefaultConfig()
	dir := flag.String("trace", os.Getenv("SIM_TRACE"), "trace folder or synth:NAME[@SEED] (as for faas-autoscaler sim)")
	out := flag.String("json", "", "write results as JSON (for faas-autoscaler sim --include)")
	arrivals := flag.String("arrivals", string(cfg.Arrivals), "uniform, even or burst")
	flag.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "requests one replica serves at once")
	flag.DurationVar(&cfg.ColdStart, "cold-start", cfg.ColdStart, "replica start delay")
	flag.DurationVar(&cfg.DefaultExec, "default-exec", cfg.DefaultExec, "execution time of functions without durations")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed")
	flag.IntVar(&cfg.FromMinute, "from-minute", 0, "start the replay at this minute of the trace (0-based), from a fresh state")
	flag.IntVar(&cfg.Minutes, "minutes", 0, "replay only N minutes from --from-minute (0: to the end)")
	flag.IntVar(&cfg.Workers, "workers", 0, "functions replayed at once (0: GOMAXPROCS)")
	sample := flag.Int("sample", 0, "replay N of the trace's functions, drawn uniformly at random with --sample-seed (0: all; as for faas-autoscaler sim)")
	sampleSeed := flag.Uint64("sample-seed", trace.DefaultSampleSeed, "seed of --sample's draw")
	quiet := flag.Bool("quiet", false, "no table on stdout, no progress bar (for faas-autoscaler sim-eval)")
	flag.Parse()
	m, err := trace.ParseArrivalModel(*arrivals)
	if err != nil {
		fmt.Fprintln(os.Stderr, "knative:", err)
		return 2
	}
	cfg.Arrivals = m
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "knative: --trace is required")
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "knative:", err)
		return 2
	}
	if *sample < 0 {
		fmt.Fprintf(os.Stderr, "knative: --sample %d: want a number of functions, or 0 for all\n", *sample)
		return 2
	}
	tr, err := synth.Open(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "knative:", err)
		return 1
	}
	tr = tr.Sample(*sample, *sampleSeed)
	base := peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}
	progress := "auto"
	if *quiet {
		progress = "never"
	}
	bar := report.NewProgress(os.Stderr, progress)
	rs, err := sim.Run(tr, cfg, []sim.Policy{base, DefaultKPA()}, bar.Update)
	bar.Done()
	if err != nil {
		fmt.Fprintln(os.Stderr, "knative:", err)
		return 1
	}
	sim.Normalise(rs, base.Name())
	ss := sim.Summaries(rs)
	if !*quiet {
		fmt.Println(report.Attribution)
		report.Table(os.Stdout, ss, base.Name())
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err == nil {
			err = report.JSON(f, report.Document{Trace: tr.Dir, Baseline: base.Name(), Results: ss,
				Config: map[string]any{"concurrency": cfg.Concurrency, "cold_start": cfg.ColdStart.String(),
					"arrivals": cfg.Arrivals, "seed": cfg.Seed, "from_minute": cfg.FromMinute, "minutes": cfg.Minutes}})
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "knative:", err)
			return 1
		}
	}
	return 0
}
