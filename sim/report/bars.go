package report

import (
	"fmt"
	"html"
	"io"
	"math"
)

// BarGroup is one group of bars (e.g. a class of functions), one bar per
// series.
type BarGroup struct {
	Label  string
	Values []float64 // per series; negative: not defined, no bar
}

// Bars draws grouped bars of ratios with a dashed reference line at 1 (the
// baseline's level), a legend of the series, and each value on its bar.
func Bars(w io.Writer, series []string, groups []BarGroup, ylabel string, c Chart) error {
	ymax := 1.0
	for _, g := range groups {
		for _, v := range g.Values {
			ymax = math.Max(ymax, v)
		}
	}
	ymax = niceMax(ymax * 1.1)
	g := svg{attribution: c.Attribution}
	g.open(c.Title)
	n := float64(len(groups))
	px, py := g.axes(n, ymax, "", ylabel, func(float64) string { return "" }, trimFloat)
	slot := (px(1) - px(0)) * 0.8 / float64(max(1, len(series)))
	for i, grp := range groups {
		x0 := px(float64(i)) + (px(1)-px(0))*0.1
		for k, v := range grp.Values {
			if v < 0 {
				continue
			}
			x := x0 + float64(k)*slot
			g.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				x, py(v), slot*0.9, py(0)-py(v), palette[k%len(palette)], html.EscapeString(fmt.Sprintf("%s, %s: %.3f", grp.Label, series[k], v)))
			g.text(x+slot*0.45, py(v)-3, "middle", `font-size="10"`, fmt.Sprintf("%.2f", v))
		}
		g.text(px(float64(i)+0.5), py(0)+16, "middle", "", grp.Label)
	}
	g.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333" stroke-dasharray="5 3"/>`+"\n", px(0), py(1), px(n), py(1))
	for k, s := range series {
		y := float64(top + 16 + 16*k)
		g.f(`<rect x="%d" y="%.1f" width="10" height="10" fill="%s"/>`+"\n", left+10, y-9, palette[k%len(palette)])
		g.text(float64(left+25), y, "start", "", s)
	}
	return g.close(w)
}
