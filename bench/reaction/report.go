package reaction

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Result is every run of one setting.
type Result struct {
	Setting string
	// Up and Down hold the runs that completed; a run that failed is in
	// Failed instead and never in the medians.
	Up   []Timings
	Down []Timings
	// Surplus is each completed run's way-down replica-seconds (Surplus),
	// run by run with Down: an entry whose Down run is NotMeasured is no
	// figure, and the report never reads it.
	Surplus []float64
	Failed  []string
	// Example is one run's phases, drawn in the chart.
	Example [2]Phase
}

// Medians of one column over the runs, the runs NotMeasured left out
// (they had no such phase); NotMeasured when every run was.
func medians(ts []Timings) Timings {
	measured := slices.DeleteFunc(slices.Clone(ts), func(t Timings) bool { return t.NotMeasured })
	if len(measured) == 0 && len(ts) > 0 {
		return Timings{NotMeasured: true, FirstCall: NotReached, Requested: NotReached, Ready: NotReached}
	}
	col := func(f func(Timings) time.Duration) time.Duration {
		var ds []time.Duration
		for _, t := range measured {
			ds = append(ds, f(t))
		}
		return Median(ds)
	}
	return Timings{
		FirstCall: col(func(t Timings) time.Duration { return t.FirstCall }),
		Requested: col(func(t Timings) time.Duration { return t.Requested }),
		Ready:     col(func(t Timings) time.Duration { return t.Ready }),
	}
}

func fmtDur(d time.Duration) string {
	if d == NotReached {
		return "not reached"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func fmtRatio(r float64) string {
	if math.IsNaN(r) {
		return "–"
	}
	return fmt.Sprintf("%.1f×", r)
}

// fmtMedian is a median's cell: "not measured" when no run had the phase.
func fmtMedian(t Timings, d time.Duration) string {
	if t.NotMeasured {
		return notMeasuredWords
	}
	return fmtDur(d)
}

// notMeasuredWords is the cell of a figure no run had (NotMeasured).
const notMeasuredWords = "not measured"

func fmtReplicaSeconds(x float64) string {
	if math.IsNaN(x) {
		return "not back at min"
	}
	return fmt.Sprintf("%.0f", x)
}

// fmtSurplusMedian is the surplus median's cell: "not measured" when no
// run had a way down (medianSurplus).
func fmtSurplusMedian(x float64, measured bool) string {
	if !measured {
		return notMeasuredWords
	}
	return fmtReplicaSeconds(x)
}

// WriteTable prints the medians as a Markdown table, the per-run values, and
// the goals of the issue for every result against the first when it is CE
// (the baseline; none when REACTION_ONLY left CE out). hpaSurplus is the
// HPA model's way down on the same step (HPASurplus).
func WriteTable(w io.Writer, results []Result, hpaSurplus float64) {
	fmt.Fprintln(w, "| setting | runs (failed, excluded) | up: first scale call | up: replicas requested ≥ need | up: available capacity ≥ load | down: first scale call | down: requested ≤ min | down: surplus gone | down: surplus replica-s |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		u, d := medians(r.Up), medians(r.Down)
		fmt.Fprintf(w, "| %s | %d (%d) | %s | %s | %s | %s | %s | %s | %s |\n", r.Setting, len(r.Up), len(r.Failed),
			fmtDur(u.FirstCall), fmtDur(u.Requested), fmtDur(u.Ready),
			fmtMedian(d, d.FirstCall), fmtMedian(d, d.Requested), fmtMedian(d, d.Ready), fmtSurplusMedian(medianSurplus(r.Down, r.Surplus)))
	}
	fmt.Fprintf(w, "| HPA model (sim's HPA peer: 300 s down window, 15 s sync, 1 m metric) | – | – | – | – | – | – | – | %s |\n", fmtReplicaSeconds(hpaSurplus))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Per run (up first call / requested / ready ; down first call / requested ; surplus replica-s):")
	for _, r := range results {
		var parts, unmeasured []string
		for i := range r.Up {
			u, d := r.Up[i], r.Down[i]
			sur := math.NaN()
			if i < len(r.Surplus) {
				sur = r.Surplus[i]
			}
			down := fmt.Sprintf("%s/%s ; %s", short(d.FirstCall), short(d.Requested), fmtReplicaSeconds(sur))
			if d.NotMeasured {
				down = "way down " + notMeasuredWords
				unmeasured = append(unmeasured, fmt.Sprint(i+1))
			}
			parts = append(parts, fmt.Sprintf("%s/%s/%s ; %s", short(u.FirstCall), short(u.Requested), short(u.Ready), down))
		}
		fmt.Fprintf(w, "- %s: %s\n", r.Setting, strings.Join(parts, " | "))
		if len(unmeasured) > 0 {
			fmt.Fprintf(w, "  - way down not measured, left out of its medians (nothing above the need when the load stopped: the way up never left it): run %s\n", strings.Join(unmeasured, ", "))
		}
		if len(r.Failed) > 0 {
			fmt.Fprintf(w, "  - failed and excluded: %s\n", strings.Join(r.Failed, ", "))
		}
	}
	if len(results) < 2 {
		return
	}
	if !strings.HasPrefix(results[0].Setting, ceName) {
		// REACTION_ONLY left CE out: a ratio against the first setting
		// would be between two of ours, under CE's name.
		fmt.Fprintf(w, "\nNo goals: they are against CE, and CE did not run (the first setting is %s).\n", results[0].Setting)
		return
	}
	ce := medians(results[0].Up)
	for _, res := range results[1:] {
		ours := medians(res.Up)
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Goals, %s vs %s (medians):\n", res.Setting, results[0].Setting)
		fmt.Fprintf(w, "- first scale call ≤ 3.5 s (a 1 s goal): %s → %s\n", fmtDur(ours.FirstCall), verdict(ours.FirstCall != NotReached && ours.FirstCall <= 3500*time.Millisecond))
		r, words := goalRatio(ce.FirstCall, ours.FirstCall)
		fmt.Fprintf(w, "- first scale call ≥ 5× faster than CE: %s → %s\n", words, verdict(r >= 5))
		r, words = goalRatio(ce.Requested, ours.Requested)
		fmt.Fprintf(w, "- full capacity requested ≥ 10× faster than CE: %s → %s\n", words, verdict(r >= 10))
	}
}

// upTimeout is how long a run waits for the way up (the test's bound, and
// the report's for a run that never got there): CE needs 3
// repeat_intervals to add 3 replicas.
const upTimeout = 4 * time.Minute

// goalRatio is how many times faster ours is than CE, and its words. When
// CE's median run never reached the event within upTimeout and ours did,
// the ratio is at least upTimeout over ours, said as a bound: a NaN there
// read as our goal missed, CE slower than the bench could wait reported as
// our miss (a review's finding).
func goalRatio(ce, ours time.Duration) (float64, string) {
	if ce == NotReached && ours != NotReached && ours > 0 {
		r := float64(upTimeout) / float64(ours)
		return r, fmt.Sprintf("≥ %s (CE's median run not within %s)", fmtRatio(r), upTimeout)
	}
	r := Ratio(ce, ours)
	return r, fmtRatio(r)
}

func short(d time.Duration) string {
	if d == NotReached {
		return "–"
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// WriteSVG draws desired and available replicas over time since each step,
// one panel for the way up and one for the way down, one colour per setting
// (desired solid, available dashed).
func WriteSVG(w io.Writer, results []Result, upSpan, downSpan time.Duration) {
	const (
		pw, ph     = 520, 300 // panel
		ml, mt, mb = 50, 40, 40
		gap        = 40
		width      = ml + pw + gap + ml + pw + 20
		height     = mt + ph + mb + 20*4
	)
	colors := []string{"#d62728", "#1f77b4", "#2ca02c", "#9467bd"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	maxY := uint64(1)
	for _, r := range results {
		for _, p := range r.Example {
			for _, s := range p.Samples {
				maxY = max(maxY, s.Desired, s.Available)
			}
		}
	}
	panel := func(x0 int, title string, span time.Duration, idx int) {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14">%s</text>`+"\n", x0, mt-15, title)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>`+"\n", x0, mt, pw, ph)
		for y := uint64(0); y <= maxY; y++ {
			py := mt + ph - int(float64(y)/float64(maxY)*ph)
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#eee"/><text x="%d" y="%d" text-anchor="end">%d</text>`+"\n", x0, py, x0+pw, py, x0-5, py+4, y)
		}
		step := niceStep(span)
		for t := time.Duration(0); t <= span; t += step {
			px := x0 + int(float64(t)/float64(span)*pw)
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#eee"/><text x="%d" y="%d" text-anchor="middle">%.0f</text>`+"\n", px, mt, px, mt+ph, px, mt+ph+15, t.Seconds())
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">seconds since the load step</text>`+"\n", x0+pw/2, mt+ph+32)
		for i, r := range results {
			p := r.Example[idx]
			c := colors[i%len(colors)]
			for _, avail := range []bool{false, true} {
				// A step plot: one vertical segment per change, so the
				// chart stays small whatever the sampling rate.
				var pts []string
				pt := func(t time.Duration, v uint64) {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", float64(x0)+float64(t)/float64(span)*pw, float64(mt+ph)-float64(v)/float64(maxY)*ph))
				}
				var prev uint64
				var lastT time.Duration
				for _, s := range p.Samples {
					t := s.At.Sub(p.Step)
					if t < 0 || t > span {
						continue
					}
					v := s.Desired
					if avail {
						v = s.Available
					}
					switch {
					case len(pts) == 0:
						pt(t, v)
					case v != prev:
						pt(t, prev)
						pt(t, v)
					}
					prev, lastT = v, t
				}
				if len(pts) > 0 {
					pt(lastT, prev)
				}
				dash := ""
				if avail {
					dash = ` stroke-dasharray="5,4"`
				}
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", c, dash, strings.Join(pts, " "))
			}
		}
	}
	panel(ml, "0 → 200 rps (need 4 replicas at 50/replica)", upSpan, 0)
	panel(ml+pw+gap+ml, "200 → 0 rps (back to min 1)", downSpan, 1)
	for i, r := range results {
		y := mt + ph + mb + 15 + 18*i
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/><text x="%d" y="%d">%s — desired (solid), available (dashed)</text>`+"\n",
			ml, y-4, ml+30, y-4, colors[i%len(colors)], ml+38, y, r.Setting)
	}
	b.WriteString("</svg>\n")
	_, _ = io.WriteString(w, b.String())
}

func niceStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, time.Minute} {
		if span/s <= 12 {
			return s
		}
	}
	return 2 * time.Minute
}
