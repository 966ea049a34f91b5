package eval

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
)

// ChartCell is the cell a trace's charts show: its first report cell (the
// figures that judge a change), else its first cell.
func ChartCell(d Document, trace string) (CellResult, bool) {
	var first *CellResult
	for i := range d.Cells {
		c := &d.Cells[i]
		if c.Trace != trace {
			continue
		}
		if c.Tag == Report {
			return *c, true
		}
		if first == nil {
			first = c
		}
	}
	if first == nil {
		return CellResult{}, false
	}
	return *first, true
}

// Traces lists the traces of d in order of first appearance.
func Traces(d Document) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range d.Cells {
		if !seen[c.Trace] {
			seen[c.Trace] = true
			out = append(out, c.Trace)
		}
	}
	return out
}

// WriteCharts writes, per trace, pareto-TRACE.svg (every policy's p75
// cold ratio against idle replica-seconds) and classes-TRACE.svg (the
// candidate's per-class figures over the baseline's) into dir.
func WriteCharts(dir string, d Document) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []error
	for _, t := range Traces(d) {
		c, _ := ChartCell(d, t)
		foot := cellAttribution(c)
		errs = append(errs,
			report.WriteFile(filepath.Join(dir, "pareto-"+t+".svg"), func(w io.Writer) error {
				return report.ParetoWith(w, c.Results, d.Baseline, report.Chart{
					Title: fmt.Sprintf("%s, %s (%s): cold starts vs idle, lower left is better", t, c.Setting, c.Tag), Attribution: foot})
			}),
			report.WriteFile(filepath.Join(dir, "classes-"+t+".svg"), func(w io.Writer) error {
				return ClassChart(w, d, c, foot)
			}))
	}
	return errors.Join(errs...)
}

// ClassChart draws the candidate's per-class ratios to the baseline.
func ClassChart(w io.Writer, d Document, c CellResult, attribution string) error {
	rows := map[Class]map[string]ClassRow{}
	for _, r := range c.Classes {
		if rows[r.Class] == nil {
			rows[r.Class] = map[string]ClassRow{}
		}
		rows[r.Class][r.Policy] = r
	}
	var groups []report.BarGroup
	for _, cl := range Classes {
		me, base := rows[cl][d.Candidate], rows[cl][d.Baseline]
		p75 := -1.0
		if base.P75ColdRatio > 0 && me.P75ColdRatio >= 0 {
			p75 = me.P75ColdRatio / base.P75ColdRatio
		}
		groups = append(groups, report.BarGroup{Label: fmt.Sprintf("%s (%d fns)", cl, me.Functions),
			Values: []float64{p75, me.ColdVsBase, me.IdleVsBase}})
	}
	return report.Bars(w, []string{"p75-function cold ratio", "cold starts", "idle replica-seconds"}, groups,
		"relative to "+d.Baseline+" (dashed: 1)", report.Chart{
			Title:       fmt.Sprintf("%s per class, %s, %s (%s)", d.Candidate, c.Trace, c.Setting, c.Tag),
			Attribution: attribution})
}
