package sim

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// Progress is told how many function replays of total are done.
type Progress func(done, total int)

// Run replays tr against every policy and returns one Result per policy, in
// the order given. Results depend only on tr, cfg and the policies, never on
// the number of workers or their scheduling.
func Run(tr *trace.Trace, cfg Config, policies []Policy, progress Progress) ([]Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(tr.Functions) == 0 {
		return nil, fmt.Errorf("trace %s has no functions", tr.Dir)
	}
	from, minutes, err := cfg.Window(tr)
	if err != nil {
		return nil, err
	}
	// A window is replayed as a trace of its own: the engine starts every
	// function fresh at its first minute, and the virtual clock reads that
	// minute's time of day.
	cfg.Start = cfg.Start.Add(time.Duration(from) * time.Minute)
	fns := make([]trace.Function, len(tr.Functions))
	copy(fns, tr.Functions)
	for i := range fns {
		fns[i].PerMinute = fns[i].PerMinute[from : from+minutes]
	}
	end := time.Duration(minutes) * time.Minute

	results := make([]Result, len(policies))
	fleets := 0
	for p := range policies {
		results[p] = Result{Policy: policies[p].Name(), Functions: make([]FunctionResult, len(fns))}
		switch policies[p].(type) {
		case FleetPolicy:
			fleets++
		case FunctionPolicy:
		default:
			return nil, fmt.Errorf("policy %s: neither a FunctionPolicy nor a FleetPolicy", policies[p].Name())
		}
	}
	// A job is one function of a FunctionPolicy, or every function of a
	// FleetPolicy (f = -1).
	type job struct{ p, f int }
	// Busiest functions first, so no worker is left with a giant at the end.
	order := make([]int, len(fns))
	for i := range order {
		order[i] = i
	}
	totals := make([]uint64, len(fns))
	for i := range fns {
		totals[i] = fns[i].Total()
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case totals[a] > totals[b]:
			return -1
		case totals[a] < totals[b]:
			return 1
		}
		return 0
	})
	jobs := make(chan job)
	workers := cfg.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// No more workers than jobs: each is a goroutine, and --workers is
	// the user's (ten million asked for ten million stacks).
	workers = min(workers, fleets+len(fns)*(len(policies)-fleets))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done, total := 0, len(fns)*len(policies)
	walls := make([]time.Duration, len(policies))
	var errs []error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t0 := time.Now()
				if j.f < 0 {
					res, tl, err := runFleet(fns, tr.Position, &cfg, end, policies[j.p].(FleetPolicy))
					mu.Lock()
					if err != nil {
						errs = append(errs, fmt.Errorf("policy %s: %w", policies[j.p].Name(), err))
					} else {
						results[j.p].Functions, results[j.p].Timeline = res, tl
					}
					walls[j.p] += time.Since(t0)
					done += len(fns)
					if progress != nil {
						progress(done, total)
					}
					mu.Unlock()
					continue
				}
				fn := &fns[j.f]
				info := FunctionInfo{Index: j.f, ID: fn.ID, Trigger: fn.Trigger, MemoryMB: fn.MemoryMB,
					Concurrency: cfg.Concurrency, ColdStart: cfg.coldStart(fn.MemoryMB)}
				r := &replay{cfg: &cfg, info: info, start: cfg.Start, end: end, stream: tr.Position(j.f),
					ctl: policies[j.p].(FunctionPolicy).NewController(info, cfg.Start)}
				r.res.ID = fn.ID
				var tl []TimelinePoint
				if j.f == cfg.Timeline {
					r.timeline = &tl
				}
				r.run(fn, cfg.Seed, cfg.Arrivals, cfg.DefaultExec)
				mu.Lock()
				results[j.p].Functions[j.f] = r.res
				if tl != nil {
					results[j.p].Timeline = tl
				}
				walls[j.p] += time.Since(t0)
				done++
				if progress != nil {
					progress(done, total)
				}
				mu.Unlock()
			}
		}()
	}
	// Fleets first: each is one long job.
	for p := range policies {
		if _, ok := policies[p].(FleetPolicy); ok {
			jobs <- job{p, -1}
		}
	}
	for _, f := range order {
		for p := range policies {
			if _, fleet := policies[p].(FleetPolicy); !fleet {
				jobs <- job{p, f}
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for p := range results {
		results[p].summarise()
		results[p].Wall = walls[p]
	}
	return results, nil
}
