package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

const (
	width, height          = 760, 480
	left, right, top, bott = 70, 30, 40, 70
)

type svg struct {
	b strings.Builder
	// attribution is the footer (default Attribution).
	attribution string
}

func (s *svg) f(format string, a ...any) { fmt.Fprintf(&s.b, format, a...) }

func (s *svg) text(x, y float64, anchor, style, t string) {
	s.f(`<text x="%.1f" y="%.1f" text-anchor="%s" %s>%s</text>`+"\n", x, y, anchor, style, html.EscapeString(t))
}

func (s *svg) open(title string) {
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	s.f(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	s.text(width/2, 22, "middle", `font-size="15" font-weight="bold"`, title)
}

func (s *svg) close(w io.Writer) error {
	a := s.attribution
	if a == "" {
		a = Attribution
	}
	s.text(width/2, height-8, "middle", `font-size="10" fill="#555"`, a)
	s.f("</svg>\n")
	_, err := io.WriteString(w, s.b.String())
	return err
}

// axes draws both axes with ticks over [0,xmax]×[0,ymax] and returns the
// mapping from data to pixels.
func (s *svg) axes(xmax, ymax float64, xlabel, ylabel string, xfmt, yfmt func(float64) string) (func(float64) float64, func(float64) float64) {
	pw, ph := float64(width-left-right), float64(height-top-bott)
	px := func(x float64) float64 { return left + x/xmax*pw }
	py := func(y float64) float64 { return top + ph - y/ymax*ph }
	s.f(`<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#333"/>`+"\n", left, top, pw, ph)
	for i := 0; i <= 5; i++ {
		x, y := xmax*float64(i)/5, ymax*float64(i)/5
		s.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" stroke="#ddd"/>`+"\n", px(x), top, px(x), top+ph)
		s.f(`<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`+"\n", left, py(y), left+pw, py(y))
		s.text(px(x), top+ph+16, "middle", "", xfmt(x))
		s.text(left-6, py(y)+4, "end", "", yfmt(y))
	}
	s.text(left+pw/2, top+ph+36, "middle", "", xlabel)
	s.f(`<text transform="translate(16,%.0f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", top+ph/2, html.EscapeString(ylabel))
	return px, py
}

// niceMax rounds up to 1, 2 or 5 × 10^k.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*e {
			return m * e
		}
	}
	return 10 * e
}

// Pareto plots each policy's 75th-percentile-function cold-start ratio
// against its idle replica time (normalised to the baseline when it ran,
// else in hours) and joins the non-dominated policies.
func Pareto(w io.Writer, ss []sim.Summary, baseline string) error {
	return ParetoWith(w, ss, baseline, Chart{})
}

// Chart overrides a chart's title and footer ("": the defaults).
type Chart struct{ Title, Attribution string }

// ParetoWith is Pareto with its own title and footer.
func ParetoWith(w io.Writer, ss []sim.Summary, baseline string, c Chart) error {
	norm := true
	for _, s := range ss {
		if s.IdleNormalised < 0 {
			norm = false
		}
	}
	xOf := func(s sim.Summary) float64 {
		if norm {
			return s.IdleNormalised
		}
		return s.IdleReplicaSec / 3600
	}
	var xmax, ymax float64
	for _, s := range ss {
		xmax, ymax = math.Max(xmax, xOf(s)), math.Max(ymax, s.P75ColdRatio)
	}
	xmax, ymax = niceMax(xmax*1.05), niceMax(ymax*1.05)
	g := svg{attribution: c.Attribution}
	title := c.Title
	if title == "" {
		title = "Cold starts vs idle replicas, per policy (lower left is better)"
	}
	g.open(title)
	xlabel := "idle replica-hours"
	if norm {
		xlabel = "idle replica-seconds, relative to " + baseline
	}
	px, py := g.axes(xmax, ymax, xlabel, "cold-start ratio of the 75th-percentile function",
		func(x float64) string { return trimFloat(x) }, func(y float64) string { return trimFloat(y) })
	front := frontier(ss, xOf)
	if len(front) > 1 {
		var pts []string
		for _, s := range front {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(xOf(s)), py(s.P75ColdRatio)))
		}
		g.f(`<polyline points="%s" fill="none" stroke="#999" stroke-dasharray="4 3"/>`+"\n", strings.Join(pts, " "))
	}
	var placed [][2]float64
	for i, s := range ss {
		if s.P75ColdRatio < 0 {
			continue
		}
		c := palette[i%len(palette)]
		x, y := px(xOf(s)), py(s.P75ColdRatio)
		ly := y - 7
		for _, p := range placed {
			if math.Abs(p[0]-x) < 110 && math.Abs(p[1]-ly) < 14 {
				ly += 22
			}
		}
		placed = append(placed, [2]float64{x, ly})
		g.f(`<circle cx="%.1f" cy="%.1f" r="6" fill="%s"><title>%s</title></circle>`+"\n", x, y, c,
			html.EscapeString(fmt.Sprintf("%s: p75 cold ratio %.4f, overall %.4f, idle %.1f h", s.Policy, s.P75ColdRatio, s.ColdRatio, s.IdleReplicaSec/3600)))
		g.text(x+9, ly, "start", fmt.Sprintf(`fill="%s"`, c), s.Policy)
	}
	return g.close(w)
}

// frontier returns the policies no other beats on both axes, by x.
func frontier(ss []sim.Summary, xOf func(sim.Summary) float64) []sim.Summary {
	var out []sim.Summary
	for _, a := range ss {
		dominated := false
		for _, b := range ss {
			if xOf(b) <= xOf(a) && b.P75ColdRatio <= a.P75ColdRatio && (xOf(b) < xOf(a) || b.P75ColdRatio < a.P75ColdRatio) {
				dominated = true
				break
			}
		}
		if !dominated && a.P75ColdRatio >= 0 {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b sim.Summary) int { return int(math.Copysign(1, xOf(a)-xOf(b))) })
	return out
}

func trimFloat(x float64) string {
	s := fmt.Sprintf("%.3f", x)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// Timeline plots one function's replicas over time as one strip per
// policy (desired replicas as a line over the function's load, requests in
// flight or waiting, as a grey area), so policies can be compared at a
// glance. Series are reduced to at most 720 steps by taking each step's
// maximum. attribution is the footer crediting the replayed trace
// (AttributionOf; empty: Attribution, the 2019 trace's): a constant footer
// credited the 2019 trace for a 2021 or synthetic replay.
func Timeline(w io.Writer, function string, rs []sim.Result, end float64, attribution string) error {
	const buckets = 720
	reduce := func(pts []sim.TimelinePoint, get func(sim.TimelinePoint) int) []float64 {
		out := make([]float64, buckets)
		cur, j := 0.0, 0
		for b := 0; b < buckets; b++ {
			t1 := end * float64(b+1) / buckets
			m := cur
			for j < len(pts) && pts[j].T < t1 {
				cur = float64(get(pts[j]))
				m = math.Max(m, cur)
				j++
			}
			out[b] = m
		}
		return out
	}
	var shown []sim.Result
	for _, r := range rs {
		if len(r.Timeline) > 0 {
			shown = append(shown, r)
		}
	}
	const strip, gap = 48, 14
	const top = 48
	h := top + len(shown)*(strip+gap) + 60
	var g svg
	g.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, h, width, h)
	g.f(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	g.text(width/2, 22, "middle", `font-size="15" font-weight="bold"`, fmt.Sprintf("Replicas over time: function %.16s", function))
	g.text(width/2, 36, "middle", `font-size="11" fill="#555"`, "line: desired replicas; grey: requests in flight or waiting")
	pw := float64(width - left - right)
	px := func(b int) float64 { return left + float64(b)/buckets*pw }
	hours := end / 3600
	tick := math.Max(1, niceMax(hours/6))
	for i, r := range shown {
		y0 := float64(top + i*(strip+gap))
		des := reduce(r.Timeline, func(p sim.TimelinePoint) int { return p.Desired })
		load := reduce(r.Timeline, func(p sim.TimelinePoint) int { return p.Load })
		ymax := 1.0
		for b := range des {
			ymax = math.Max(ymax, math.Max(des[b], load[b]))
		}
		py := func(v float64) float64 { return y0 + strip - v/ymax*strip }
		g.f(`<rect x="%d" y="%.0f" width="%.0f" height="%d" fill="none" stroke="#bbb"/>`+"\n", left, y0, pw, strip)
		var a, l strings.Builder
		fmt.Fprintf(&a, "M%.1f,%.1f", px(0), py(0))
		fmt.Fprintf(&l, "M%.1f,%.1f", px(0), py(des[0]))
		// Steps: a point only where the value changes keeps the file small.
		for b := 0; b < buckets; b++ {
			if b == 0 || load[b] != load[b-1] {
				fmt.Fprintf(&a, " L%.1f,%.1f", px(b), py(load[b]))
				if b+1 < buckets && load[b+1] == load[b] {
					continue
				}
			}
			if b+1 == buckets || load[b+1] != load[b] {
				fmt.Fprintf(&a, " L%.1f,%.1f", px(b+1), py(load[b]))
			}
		}
		for b := 1; b < buckets; b++ {
			if des[b] != des[b-1] {
				fmt.Fprintf(&l, " L%.1f,%.1f L%.1f,%.1f", px(b), py(des[b-1]), px(b), py(des[b]))
			}
		}
		fmt.Fprintf(&l, " L%.1f,%.1f", px(buckets), py(des[buckets-1]))
		fmt.Fprintf(&a, " L%.1f,%.1f Z", px(buckets), py(0))
		c := palette[i%len(palette)]
		g.f(`<path d="%s" fill="#ddd" stroke="none"/>`+"\n", a.String())
		g.f(`<path d="%s" fill="none" stroke="%s" stroke-width="1.2"/>`+"\n", l.String(), c)
		g.text(left+4, y0+12, "start", fmt.Sprintf(`fill="%s" font-weight="bold" stroke="white" stroke-width="3" paint-order="stroke"`, c), r.Policy)
		g.text(float64(width-right)+2, y0+10, "start", `font-size="9" fill="#555"`, trimFloat(ymax))
	}
	yAxis := float64(top + len(shown)*(strip+gap))
	for t := 0.0; t <= hours+1e-9; t += tick {
		x := left + t/hours*pw
		g.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" stroke="#eee"/>`+"\n", x, top, x, yAxis-gap)
		g.text(x, yAxis+2, "middle", "", trimFloat(t))
	}
	g.text(left+pw/2, yAxis+20, "middle", "", "hours since the start of the trace; each strip scaled to its own maximum (top right)")
	if attribution == "" {
		attribution = Attribution
	}
	g.text(width/2, float64(h-8), "middle", `font-size="10" fill="#555"`, attribution)
	g.f("</svg>\n")
	_, err := io.WriteString(w, g.b.String())
	return err
}
