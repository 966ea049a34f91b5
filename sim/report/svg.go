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

type svg struct{ b strings.Builder }

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
	s.text(width/2, height-8, "middle", `font-size="10" fill="#555"`, Attribution)
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
	var g svg
	g.open("Cold starts vs idle replicas, per policy (lower left is better)")
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
	for i, s := range ss {
		if s.P75ColdRatio < 0 {
			continue
		}
		c := palette[i%len(palette)]
		x, y := px(xOf(s)), py(s.P75ColdRatio)
		g.f(`<circle cx="%.1f" cy="%.1f" r="6" fill="%s"><title>%s</title></circle>`+"\n", x, y, c,
			html.EscapeString(fmt.Sprintf("%s: p75 cold ratio %.4f, overall %.4f, idle %.1f h", s.Policy, s.P75ColdRatio, s.ColdRatio, s.IdleReplicaSec/3600)))
		g.text(x+9, y-7, "start", fmt.Sprintf(`fill="%s"`, c), s.Policy)
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

// Timeline plots one function's desired replicas under each policy over
// time, with its load (requests in flight or waiting) under the first
// policy as a grey area. Series are reduced to at most 1000 steps per policy
// by taking each step's maximum.
func Timeline(w io.Writer, function string, rs []sim.Result, end float64) error {
	const buckets = 1000
	type series struct {
		name string
		vals []float64
	}
	reduce := func(pts []sim.TimelinePoint, get func(sim.TimelinePoint) int) []float64 {
		out := make([]float64, buckets)
		cur := 0.0
		j := 0
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
	var ss []series
	var load []float64
	ymax := 1.0
	for _, r := range rs {
		if len(r.Timeline) == 0 {
			continue
		}
		v := reduce(r.Timeline, func(p sim.TimelinePoint) int { return p.Desired })
		if load == nil {
			load = reduce(r.Timeline, func(p sim.TimelinePoint) int { return p.Load })
		}
		ss = append(ss, series{r.Policy, v})
		for _, x := range v {
			ymax = math.Max(ymax, x)
		}
	}
	ymax = niceMax(ymax * 1.1)
	var g svg
	g.open(fmt.Sprintf("Replicas over time: function %.16s", function))
	px, py := g.axes(end/3600, ymax, "hours since the start of the trace", "replicas (desired); grey: requests in flight",
		func(x float64) string { return trimFloat(x) }, func(y float64) string { return trimFloat(y) })
	step := end / 3600 / buckets
	if load != nil {
		var b strings.Builder
		fmt.Fprintf(&b, "M%.1f,%.1f", px(0), py(0))
		for i, v := range load {
			fmt.Fprintf(&b, " L%.1f,%.1f L%.1f,%.1f", px(float64(i)*step), py(math.Min(v, ymax)), px(float64(i+1)*step), py(math.Min(v, ymax)))
		}
		fmt.Fprintf(&b, " L%.1f,%.1f Z", px(end/3600), py(0))
		g.f(`<path d="%s" fill="#ccc" stroke="none"/>`+"\n", b.String())
	}
	for i, s := range ss {
		var b strings.Builder
		for k, v := range s.vals {
			cmd := "L"
			if k == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&b, "%s%.1f,%.1f L%.1f,%.1f ", cmd, px(float64(k)*step), py(v), px(float64(k+1)*step), py(v))
		}
		c := palette[i%len(palette)]
		g.f(`<path d="%s" fill="none" stroke="%s" stroke-width="1.3" opacity="0.85"/>`+"\n", b.String(), c)
		g.f(`<rect x="%d" y="%d" width="10" height="10" fill="%s"/>`+"\n", left+10, top+8+16*i, c)
		g.text(float64(left+24), float64(top+17+16*i), "start", "", s.name)
	}
	return g.close(w)
}
