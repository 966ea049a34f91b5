package eval

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// Options are how a matrix is run.
type Options struct {
	// Policies returns fresh policies for one cell (candidate and baseline
	// among them); it is called once per cell.
	Policies func() ([]sim.Policy, error)
	// Candidate is judged against Baseline and every other policy.
	Candidate, Baseline string
	// Config carries what no cell sets (cold start, execution time, start
	// time); each cell sets its window, seed, concurrency and arrivals.
	Config sim.Config
	// Parallel is how many replays run at once (0: GOMAXPROCS). Each cell
	// replays its functions on one goroutine: cells, not functions, are
	// spread over the cores, so that the fleet policy of one cell runs
	// beside the replays of another.
	Parallel int
	// Knative is bench/knative's binary, run once per cell with the cell's
	// flags and merged as a peer ("": Knative's KPA is left out).
	Knative string
	// Open loads a cell's Source (nil: synth.Open).
	Open func(string) (*trace.Trace, error)
	// Progress is told how many replays of total are done (may be nil).
	Progress func(done, total int)
	// Scrape is how often the candidate reads the simulated gateway, as
	// Policies set it: only recorded in the document (0: not recorded).
	Scrape time.Duration
	// ScrapePhase is the scrape's phase against the passes as given ("half"
	// or a duration), recorded beside Scrape.
	ScrapePhase string
}

// CellResult is one cell's replays, breakdown and verdict.
type CellResult struct {
	Cell
	// Format is the trace's origin (for attribution).
	Format trace.Format `json:"format"`
	// Layout is whose files a 2019 trace was read from (trace.Layout).
	Layout      trace.Layout `json:"layout,omitempty"`
	Functions   int          `json:"functions"`
	Invocations uint64       `json:"invocations"`
	// ReplayedMinutes is the window's length.
	ReplayedMinutes int `json:"replayed_minutes"`
	// Seconds is the wall time of the cell's replays, per policy: measured
	// while other cells ran beside them, so a cost share, not a benchmark.
	Seconds map[string]float64 `json:"seconds"`
	Results []sim.Summary      `json:"results"`
	// Classes has every in-process policy (not Knative's, which runs in its
	// own process and reports only totals).
	Classes []ClassRow `json:"classes"`
	Verdict Verdict    `json:"verdict"`
	// Errors says what could not be run (e.g. Knative's binary failing).
	Errors []string `json:"errors,omitempty"`
}

// Run replays every cell. A cell whose trace cannot be loaded or whose
// candidate or baseline fails is an error; a failing Knative run is noted in
// the cell and leaves that peer out.
func Run(cells []Cell, o Options) ([]CellResult, error) {
	if o.Open == nil {
		o.Open = synth.Open
	}
	par := o.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	traces, err := loadAll(cells, o.Open)
	if err != nil {
		return nil, err
	}
	out := make([]CellResult, len(cells))
	kpa := make([]*report.Document, len(cells))
	// exact keeps each cell's results unrounded (without their per-function
	// detail) for the verdict; out has them rounded, for reading.
	exact := make([][]sim.Result, len(cells))
	type job struct {
		cell    int
		knative bool
		cost    float64
	}
	var jobs []job
	for i, c := range cells {
		cfg := cellConfig(o.Config, c)
		tr := traces[traceKey(c)]
		_, minutes, err := cfg.Window(tr)
		if err != nil {
			return nil, fmt.Errorf("cell %s: %w", c.Name(), err)
		}
		out[i] = CellResult{Cell: c, Format: tr.Format, Layout: tr.Layout, Functions: len(tr.Functions), Invocations: windowCalls(tr, c.FromMinute, minutes),
			ReplayedMinutes: minutes, Seconds: map[string]float64{}}
		// Cost estimate: the fleet replay grows with functions × minutes,
		// the peers' with invocations.
		cost := float64(len(tr.Functions)*minutes) + float64(out[i].Invocations)/100
		jobs = append(jobs, job{i, false, cost})
		if o.Knative != "" {
			jobs = append(jobs, job{i, true, cost / 4})
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int {
		switch {
		case a.cost > b.cost:
			return -1
		case a.cost < b.cost:
			return 1
		}
		return 0
	})
	var (
		mu   sync.Mutex
		errs []error
		done int
		wg   sync.WaitGroup
	)
	q := make(chan job)
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range q {
				c := cells[j.cell]
				if j.knative {
					t0 := time.Now()
					d, err := runKnative(o.Knative, c, o.Config)
					mu.Lock()
					out[j.cell].Seconds["knative-kpa"] = roundSec(time.Since(t0))
					if err != nil {
						out[j.cell].Errors = append(out[j.cell].Errors, "knative-kpa: "+err.Error())
					}
					kpa[j.cell] = d
				} else {
					rs, err := replayCell(traces[traceKey(c)], c, o)
					mu.Lock()
					if err != nil {
						errs = append(errs, fmt.Errorf("cell %s: %w", c.Name(), err))
					} else {
						sim.Normalise(rs, o.Baseline)
						out[j.cell].Results = sim.Summaries(rs)
						out[j.cell].Classes = Breakdown(rs, out[j.cell].ReplayedMinutes, o.Baseline)
						for k, r := range rs {
							out[j.cell].Seconds[r.Policy] = roundSec(r.Wall)
							rs[k].Functions, rs[k].Timeline = nil, nil
						}
						exact[j.cell] = rs
					}
				}
				done++
				if o.Progress != nil {
					o.Progress(done, len(jobs))
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		q <- j
	}
	close(q)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i := range out {
		if d := kpa[i]; d != nil {
			merge(&out[i], d, o.Baseline)
		}
		// merge appends the other process's peers after this cell's own.
		v, err := judgeCell(exact[i], out[i].Results[len(exact[i]):], o.Candidate, o.Baseline)
		if err != nil {
			return nil, fmt.Errorf("cell %s: %w", cells[i].Name(), err)
		}
		tr := traces[traceKey(cells[i])]
		ss := exactSummaries(exact[i])
		v.P75Floor = Reach(P75Floor(tr, cells[i].FromMinute, out[i].ReplayedMinutes), ss, o.Baseline)
		v.P75Price = priceShare(tr, cells[i], out[i].ReplayedMinutes, ss, o.Baseline)
		out[i].Verdict = v
		if out[i].Invocations == 0 {
			out[i].Errors = append(out[i].Errors, "no invocation in the window: nothing to judge (goal not met)")
		}
	}
	return out, nil
}

// cellConfig is base with the cell's own settings, replayed on one worker.
func cellConfig(base sim.Config, c Cell) sim.Config {
	cfg := base
	cfg.FromMinute, cfg.Minutes = c.FromMinute, c.Minutes
	cfg.Seed, cfg.Concurrency, cfg.Arrivals = c.Seed, c.Concurrency, c.Arrivals
	cfg.Workers, cfg.Timeline = 1, -1
	return cfg
}

func replayCell(tr *trace.Trace, c Cell, o Options) ([]sim.Result, error) {
	ps, err := o.Policies()
	if err != nil {
		return nil, err
	}
	return sim.Run(tr, cellConfig(o.Config, c), ps, nil)
}

// loadAll loads each distinct source once, and draws each sample of it
// once; replays only read a trace. Keyed by traceKey.
func loadAll(cells []Cell, open func(string) (*trace.Trace, error)) (map[string]*trace.Trace, error) {
	m := map[string]*trace.Trace{}
	loaded := map[string]*trace.Trace{}
	for _, c := range cells {
		if _, ok := m[traceKey(c)]; ok {
			continue
		}
		tr := loaded[c.Source]
		if tr == nil {
			var err error
			if tr, err = open(c.Source); err != nil {
				return nil, fmt.Errorf("cell %s: %w", c.Name(), err)
			}
			loaded[c.Source] = tr
		}
		m[traceKey(c)] = tr.Sample(c.Sample, trace.DefaultSampleSeed)
	}
	return m, nil
}

// traceKey names the trace a cell replays: its source, and the sample of it.
func traceKey(c Cell) string { return c.Source + "\x00" + strconv.Itoa(c.Sample) }

func windowCalls(tr *trace.Trace, from, minutes int) uint64 {
	var n uint64
	for i := range tr.Functions {
		n += callsIn(&tr.Functions[i], from, minutes)
	}
	return n
}

// callsIn is f's invocations in the minutes [from, from+minutes).
func callsIn(f *trace.Function, from, minutes int) uint64 {
	var n uint64
	for _, c := range f.PerMinute[from : from+minutes] {
		n += uint64(c)
	}
	return n
}

// runKnative runs bench/knative's binary on the cell and reads its JSON.
func runKnative(bin string, c Cell, base sim.Config) (*report.Document, error) {
	dir, err := os.MkdirTemp("", "sim-eval-kpa-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "kpa.json")
	cmd := exec.Command(bin, "--trace", c.Source, "--json", out, "--quiet", "--workers", "1",
		"--seed", strconv.FormatUint(c.Seed, 10), "--concurrency", strconv.Itoa(c.Concurrency),
		"--arrivals", string(c.Arrivals), "--cold-start", base.ColdStart.String(), "--default-exec", base.DefaultExec.String(),
		"--from-minute", strconv.Itoa(c.FromMinute), "--minutes", strconv.Itoa(c.Minutes),
		"--sample", strconv.Itoa(c.Sample), "--sample-seed", strconv.FormatUint(trace.DefaultSampleSeed, 10))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", bin, err, lastLine(msg))
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", out, err)
	}
	return &d, nil
}

// merge adds the peers of d, a run made in another process on the same
// cell, to r. Same trace, window, seed and options: the baseline both runs
// replayed must agree, or the flags did not reach the other run, and then
// its peers are left out with a note.
func merge(r *CellResult, d *report.Document, baseline string) {
	mine, _ := find(r.Results, baseline)
	theirs, ok := find(d.Results, d.Baseline)
	if !ok || d.Baseline != baseline || theirs.ColdStarts != mine.ColdStarts || theirs.IdleReplicaSec != mine.IdleReplicaSec {
		r.Errors = append(r.Errors, fmt.Sprintf("%s: left out, its %s run differs from this cell's (%d vs %d cold starts)",
			names(d.Results), d.Baseline, theirs.ColdStarts, mine.ColdStarts))
		return
	}
	r.Results = append(r.Results, rebase(d, r.Results, baseline)...)
}

// rebase takes the peers of an included run (not its baseline, which this
// cell ran too) and normalises their idle time to this cell's baseline.
func rebase(d *report.Document, mine []sim.Summary, baseline string) []sim.Summary {
	b, ok := find(mine, baseline)
	var out []sim.Summary
	for _, s := range d.Results {
		if s.Policy == d.Baseline {
			continue
		}
		s.IdleNormalised = -1
		if ok && b.IdleReplicaSec > 0 {
			s.IdleNormalised = round(s.IdleReplicaSec/b.IdleReplicaSec, 4)
		}
		out = append(out, s)
	}
	return out
}

func lastLine(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func roundSec(d time.Duration) float64 { return round(d.Seconds(), 2) }
