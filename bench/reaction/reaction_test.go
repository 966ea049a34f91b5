package reaction

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/e2e"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// EnvRun turns the benchmark on; without it TestReaction skips, so `make
// test` does not spend its ~15 minutes.
const EnvRun = "FAAS_REACTION_BENCH"

// Bench tuning, from the environment.
const (
	envRuns = "REACTION_RUNS" // runs per setting (default 5)
	envSVG  = "REACTION_SVG"  // chart path (default replicas.svg beside this file)
	envOut  = "REACTION_OUT"  // table path (default: only printed)
	// envOnly keeps only the settings whose name contains it.
	envOnly = "REACTION_ONLY"
	// envDownWindow sets faas-autoscaler's down window (default the
	// figures' 2m), e.g. 10m for the shipped default's way down.
	envDownWindow = "REACTION_DOWN_WINDOW"
)

const (
	// downSlack is waited for the way down beyond the setting's down window
	// (a 60 s stable window, then halving per pass).
	downSlack = 3 * time.Minute
	// hold keeps the load on after capacity is ready, so the way down starts
	// from a steady state; stopPhase is a random extra hold over the longest
	// period the stop can lock to, CE's 30 s repeat_interval. With the fixed
	// hold CE's capacity was ready 2 s after a notification and the load
	// stopped 30 s later, at the same point of CE's 10 s notification and
	// 15 s evaluation ticks in every run: its resolved call came 8 s or 28 s
	// after the stop by luck of the run (32 or 113 replica-s), where a
	// random stop gives a median of about 17 s (a review, session 45).
	hold      = 30 * time.Second
	stopPhase = 30 * time.Second
	// quiet is the load-free time after priming the series, longer than
	// every rate window in use (CE 10 s, ours 4 s or 20 s).
	quiet = 25 * time.Second
	poll  = 20 * time.Millisecond
)

// TestReaction measures, for each setting, step → first scale call, step →
// replicas requested reach the need, step → capacity ready, on the way up
// (0 → 200 rps) and down (200 → 0 rps), over randomised-phase runs, each on
// its own real stack. Run it with `make bench-reaction`.
func TestReaction(t *testing.T) {
	if os.Getenv(EnvRun) != "1" {
		t.Skipf("reaction-time benchmark: set %s=1 (make bench-reaction)", EnvRun)
	}
	runs := 5
	if v := os.Getenv(envRuns); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive integer", envRuns, v)
		}
		runs = n
	}
	bin, err := e2e.BuildController(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	settings, err := selectSettings(Settings(), os.Getenv(envOnly), os.Getenv(envDownWindow))
	if err != nil {
		t.Fatal(err)
	}
	results := make([]Result, len(settings))
	for i, s := range settings {
		results[i] = Result{Setting: s.Name}
	}
	// phases[si] runs parallel to results[si].Up: successful runs only.
	phases := make([][][2]Phase, len(settings))
	var mu sync.Mutex
	t.Run("runs", func(t *testing.T) {
		// Interleaved, so each setting's runs spread over the whole bench
		// and share the machine's load alike.
		for r := range runs {
			for si, s := range settings {
				t.Run(fmt.Sprintf("%d/%d", si, r), func(t *testing.T) {
					t.Parallel()
					// A run that fails (t.Fatal in the stack's start, say) is
					// excluded from the medians and listed in the report,
					// never counted as 0.0 s (issue 15).
					done := false
					defer func() {
						if !done {
							mu.Lock()
							results[si].Failed = append(results[si].Failed, fmt.Sprintf("run %d", r))
							mu.Unlock()
						}
					}()
					up, down := runOnce(t, bin, s, fmt.Sprintf("bench-s%d-r%d", si, r))
					if t.Failed() {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					results[si].Up = append(results[si].Up, Measure(up))
					results[si].Down = append(results[si].Down, Measure(down))
					// A way down not measured is flagged in its
					// Down timings (Measure), which the report reads.
					sur, _ := Surplus(down)
					results[si].Surplus = append(results[si].Surplus, sur)
					phases[si] = append(phases[si], [2]Phase{up, down})
					done = true
				})
			}
		}
	})
	var upSpan, downSpan time.Duration
	for si := range results {
		if len(phases[si]) == 0 {
			continue // every run failed: nothing to draw
		}
		results[si].Example = phases[si][exampleRun(results[si].Up)]
		for _, p := range results[si].Example {
			if n := len(p.Samples); n > 0 {
				d := p.Samples[n-1].At.Sub(p.Step)
				if p.Up {
					upSpan = max(upSpan, d)
				} else {
					downSpan = max(downSpan, d)
				}
			}
		}
	}
	var table bytes.Buffer
	WriteTable(&table, results, HPASurplus(StepRPS, Target, NeedDown))
	fmt.Printf("\nreaction times, medians of %d runs per setting (step 0 → %g rps and back, target %g/replica, cold start %s):\n\n%s\n",
		runs, StepRPS, Target, ColdStart, table.String())
	if p := os.Getenv(envOut); p != "" {
		if err := os.WriteFile(p, table.Bytes(), 0o644); err != nil {
			t.Error(err)
		}
	}
	svgPath := os.Getenv(envSVG)
	if svgPath == "" {
		svgPath = "replicas.svg"
	}
	var svg bytes.Buffer
	WriteSVG(&svg, results, upSpan, downSpan)
	if err := os.WriteFile(svgPath, svg.Bytes(), 0o644); err != nil {
		t.Error(err)
	}
}

// exampleRun is the run whose replicas-requested time is closest to the
// median, so the chart shows a typical run.
func exampleRun(up []Timings) int {
	var ds []time.Duration
	for _, u := range up {
		ds = append(ds, u.Requested)
	}
	m := Median(ds)
	best := 0
	for i, u := range up {
		if absDur(u.Requested-m) < absDur(up[best].Requested-m) {
			best = i
		}
	}
	return best
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// runOnce starts a stack for s, primes the function's series, steps the load
// up at a random phase and, once capacity is ready and held, back down.
func runOnce(t *testing.T, bin string, s Setting, name string) (up, down Phase) {
	ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
	o := s.Options(bin)
	o.Functions = []provider.Function{e2e.NewFunction(ref)}
	st := e2e.Start(t, o)

	// A function that has served requests before has gateway series; the
	// step should not also measure a series being born.
	st.SetRPS(ref, 2)
	time.Sleep(3 * time.Second)
	st.SetRPS(ref, 0)
	time.Sleep(quiet + rand.N(s.Phase))

	var (
		mu      sync.Mutex
		samples []Sample
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(poll)
		defer tick.Stop()
		for {
			fn, err := st.Mem.Function(ctx, ref)
			if err == nil {
				mu.Lock()
				samples = append(samples, Sample{At: time.Now(), Desired: fn.Replicas, Available: fn.AvailableReplicas})
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	last := func() Sample {
		mu.Lock()
		defer mu.Unlock()
		if len(samples) == 0 {
			return Sample{}
		}
		return samples[len(samples)-1]
	}
	waitUntil := func(timeout time.Duration, cond func(Sample) bool) bool {
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) {
			if cond(last()) {
				return true
			}
			time.Sleep(poll)
		}
		return false
	}

	stepUp := time.Now()
	st.SetRPS(ref, StepRPS)
	if !waitUntil(upTimeout, func(s Sample) bool { return s.Available >= NeedUp }) {
		t.Logf("%s: capacity not ready within %s: %s", s.Name, upTimeout, st.Describe(ref))
	}
	time.Sleep(hold + rand.N(stopPhase))
	stepDown := time.Now()
	st.SetRPS(ref, 0)
	downTimeout := s.DownWindow + downSlack
	if !waitUntil(downTimeout, func(s Sample) bool { return s.Desired <= NeedDown && s.Available <= NeedDown }) {
		t.Logf("%s: not back at min within %s: %s", s.Name, downTimeout, st.Describe(ref))
	}
	time.Sleep(2 * time.Second)
	cancel()
	<-done
	if err := st.Died(); err != nil {
		// Excluded and listed as failed (TestReaction): a step "not
		// reached" because a process was gone would count as the slowest
		// run of its setting, and flatter whichever setting it was not.
		t.Errorf("%s: the stack died during the run: %v", s.Name, err)
	}

	calls := st.Calls(ref)
	mu.Lock()
	defer mu.Unlock()
	var upS, downS []Sample
	for _, x := range samples {
		if x.At.Before(stepDown) {
			upS = append(upS, x)
		} else {
			downS = append(downS, x)
		}
	}
	up = Phase{Step: stepUp, End: stepDown, Need: NeedUp, Up: true, Samples: upS, Calls: calls}
	down = Phase{Step: stepDown, Need: NeedDown, Up: false, Samples: downS, Calls: calls}
	return up, down
}

// selectSettings keeps the settings whose name contains only (all when
// empty) and gives faas-autoscaler's a down window other than the figures'
// when downWindow is set; a bad duration or a filter that keeps nothing is
// an error naming the variable.
func selectSettings(all []Setting, only, downWindow string) ([]Setting, error) {
	var w time.Duration
	if downWindow != "" {
		d, err := time.ParseDuration(downWindow)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s=%q: want a positive duration such as 10m", envDownWindow, downWindow)
		}
		w = d
	}
	var out []Setting
	for _, s := range all {
		if only != "" && !strings.Contains(s.Name, only) {
			continue
		}
		if w > 0 && strings.HasPrefix(s.Name, "faas-autoscaler") {
			s = WithDownWindow(s, w)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s=%q: no setting's name contains it", envOnly, only)
	}
	return out, nil
}
