package soak

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// panel is one quantity plotted over time.
type panel struct {
	title string
	unit  string
	color string
	value func(Sample) float64
	// has is false for a sample without this quantity (no webhook post in
	// the period, a series the page lacked): no point rather than a false
	// zero.
	has func(Sample) bool
}

// hasResource is a panel's has for a resource read off the /metrics page.
func hasResource(r resources) func(Sample) bool {
	return func(s Sample) bool { return s.measured(r) }
}

var panels = []panel{
	{"goroutines", "", "#1f77b4", func(s Sample) float64 { return s.Goroutines }, hasResource(resGoroutines)},
	{"heap in use", "MiB", "#2ca02c", func(s Sample) float64 { return s.HeapMB }, hasResource(resHeap)},
	{"RSS", "MiB", "#d62728", func(s Sample) float64 { return s.RSSMB }, hasResource(resRSS)},
	{"open file descriptors", "", "#9467bd", func(s Sample) float64 { return s.FDs }, hasResource(resFDs)},
	{"webhook p99 (client side)", "ms", "#ff7f0e", func(s Sample) float64 { return float64(s.WebhookP99.Microseconds()) / 1000 },
		func(s Sample) bool { return s.Webhooks > 0 }},
}

// Chart geometry: one panel per quantity, stacked, sharing the time axis.
const (
	chartW            = 760
	panelH, panelGap  = 96, 34
	marginL, marginR  = 70, 20
	marginT, marginB  = 44, 48
	ticksX, ticksY    = 6, 2
	chartTitleYOffset = 24
)

// WriteSVG draws every quantity of ss against time since the start, one
// panel each with its own y scale from 0, so that growth (a leak) shows as a
// rising line. Pure: the same samples give the same bytes.
func WriteSVG(w io.Writer, title string, ss []Sample) error {
	h := marginT + len(panels)*(panelH+panelGap) - panelGap + marginB
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	text := func(x, y float64, anchor, style, s string) {
		p(`<text x="%.1f" y="%.1f" text-anchor="%s"%s>%s</text>`+"\n", x, y, anchor, style, html.EscapeString(s))
	}
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", chartW, h, chartW, h)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	text(chartW/2, chartTitleYOffset, "middle", ` font-size="14" font-weight="bold"`, title)

	var end time.Duration
	for _, s := range ss {
		end = max(end, s.At)
	}
	xmax := niceCeil(end.Minutes())
	pw := float64(chartW - marginL - marginR)
	px := func(m float64) float64 { return marginL + m/xmax*pw }
	for i, pn := range panels {
		top := float64(marginT + i*(panelH+panelGap))
		ymax := 0.0
		for _, s := range ss {
			if pn.has == nil || pn.has(s) {
				ymax = max(ymax, pn.value(s))
			}
		}
		ymax = niceCeil(ymax)
		py := func(v float64) float64 { return top + panelH - v/ymax*panelH }
		label := pn.title
		if pn.unit != "" {
			label += " (" + pn.unit + ")"
		}
		text(marginL, top-6, "start", ` font-weight="bold"`, label)
		p(`<rect x="%d" y="%.0f" width="%.0f" height="%d" fill="none" stroke="#333"/>`+"\n", marginL, top, pw, panelH)
		for k := 0; k <= ticksY; k++ {
			v := ymax * float64(k) / ticksY
			p(`<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/>`+"\n", marginL, py(v), marginL+pw, py(v))
			text(marginL-6, py(v)+4, "end", "", trim(v))
		}
		for k := 0; k <= ticksX; k++ {
			m := xmax * float64(k) / ticksX
			p(`<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#eee"/>`+"\n", px(m), top, px(m), top+panelH)
			if i == len(panels)-1 {
				text(px(m), top+panelH+16, "middle", "", trim(m))
			}
		}
		// One polyline per run of samples that have the quantity.
		var pts []string
		flush := func() {
			if len(pts) > 0 {
				p(`<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`+"\n", pn.color, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for _, s := range ss {
			if pn.has != nil && !pn.has(s) {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.At.Minutes()), py(pn.value(s))))
		}
		flush()
	}
	text(marginL+pw/2, float64(h-14), "middle", "", "minutes since the start")
	p("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceCeil rounds v up to 1, 2 or 5 × 10^k (1 for v ≤ 0), so ticks fall on
// round numbers.
func niceCeil(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5} {
		if v <= m*e*(1+1e-9) {
			return m * e
		}
	}
	return 10 * e
}

// trim writes a tick value without a useless fraction.
func trim(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
