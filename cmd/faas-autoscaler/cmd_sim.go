package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

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
