package trace

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Durations is one row of a durations file, in milliseconds, excluding cold
// start time (Azure's definition). Percentiles are weighted percentiles of
// 30-second averages, so they are a smoothed picture of single executions.
type Durations struct {
	AverageMs, MinMs, MaxMs float64
	Count                   uint64
	// Pct holds percentiles 0, 1, 25, 50, 75, 99 and 100 (see PctLevels).
	Pct [7]float64
}

// PctLevels are the quantiles of Durations.Pct.
var PctLevels = [7]float64{0, 0.01, 0.25, 0.50, 0.75, 0.99, 1}

var durationPctCols = [7]string{"percentile_Average_0", "percentile_Average_1", "percentile_Average_25",
	"percentile_Average_50", "percentile_Average_75", "percentile_Average_99", "percentile_Average_100"}

// statsTable is a header-addressed CSV of numbers keyed by hash columns.
type statsTable struct {
	name   string
	header []string
	idx    map[string]int
	rows   [][]string
	lines  []int
}

func readStats(r io.Reader, name string, required []string) (*statsTable, error) {
	cr := newCSVReader(r)
	header, err := readHeader(cr, name)
	if err != nil {
		return nil, err
	}
	t := &statsTable{name: name, header: header, idx: map[string]int{}}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := t.idx[h]; dup {
			return nil, &ParseError{File: name, Line: 1, Column: i + 1, Msg: fmt.Sprintf("duplicate column %q", h)}
		}
		t.idx[h] = i
	}
	for _, c := range required {
		if _, ok := t.idx[c]; !ok {
			return nil, &ParseError{File: name, Line: 1, Msg: fmt.Sprintf("no %s column", c)}
		}
	}
	if err := eachRecord(cr, name, func(rec []string, line int) error {
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, line)
		return nil
	}); err != nil {
		return nil, err
	}
	return t, nil
}

// num reads a non-negative finite number from row i, column c.
func (t *statsTable) num(i int, c string) (float64, error) {
	j := t.idx[c]
	s := strings.TrimSpace(t.rows[i][j])
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, &ParseError{File: t.name, Line: t.lines[i], Column: j + 1,
			Msg: fmt.Sprintf("%s: want a non-negative number, got %q", c, t.rows[i][j])}
	}
	return v, nil
}

func (t *statsTable) str(i int, c string) string {
	if j, ok := t.idx[c]; ok {
		return t.rows[i][j]
	}
	return ""
}

// ParseDurations reads a durations file (original or invitro column order),
// keyed by HashFunction. A function on two rows is an error, as in the
// invocations file: which of its two distributions the replay would draw
// execution times from is not something to leave to the row order.
func ParseDurations(r io.Reader, name string) (map[string]Durations, error) {
	req := append([]string{"HashFunction", "Average", "Count", "Minimum", "Maximum"}, durationPctCols[:]...)
	t, err := readStats(r, name, req)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Durations, len(t.rows))
	seen := make(map[string]int, len(t.rows))
	for i := range t.rows {
		id := t.str(i, "HashFunction")
		if prev, dup := seen[id]; dup {
			return nil, &ParseError{File: name, Line: t.lines[i], Column: t.idx["HashFunction"] + 1,
				Msg: fmt.Sprintf("function %.12s… already on line %d", id, prev)}
		}
		seen[id] = t.lines[i]
		var d Durations
		var cnt float64
		for _, f := range []struct {
			col string
			dst *float64
		}{{"Average", &d.AverageMs}, {"Minimum", &d.MinMs}, {"Maximum", &d.MaxMs}, {"Count", &cnt}} {
			if *f.dst, err = t.num(i, f.col); err != nil {
				return nil, err
			}
		}
		d.Count = uint64(cnt)
		for k, c := range durationPctCols {
			if d.Pct[k], err = t.num(i, c); err != nil {
				return nil, err
			}
			if k > 0 && d.Pct[k] < d.Pct[k-1] {
				return nil, &ParseError{File: name, Line: t.lines[i], Column: t.idx[c] + 1,
					Msg: fmt.Sprintf("%s = %g is below %s = %g: percentiles must not decrease", c, d.Pct[k], durationPctCols[k-1], d.Pct[k-1])}
			}
		}
		out[id] = d
	}
	return out, nil
}

// Memory is what a memory file says, keyed by function when the file has a
// HashFunction column (the 10-function sample) and by app otherwise.
type Memory struct {
	ByFunction map[string]float64
	ByApp      map[string]float64
}

// ParseMemory reads an app-memory file (AverageAllocatedMb per row).
func ParseMemory(r io.Reader, name string) (Memory, error) {
	t, err := readStats(r, name, []string{"HashApp", "AverageAllocatedMb"})
	if err != nil {
		return Memory{}, err
	}
	m := Memory{ByFunction: map[string]float64{}, ByApp: map[string]float64{}}
	// One row per key, as in the durations file: a second row for a key
	// left which allocation the replay used to the row order, and an empty
	// key matched every function without an app.
	key, what, into := "HashApp", "app", m.ByApp
	if _, perFn := t.idx["HashFunction"]; perFn {
		key, what, into = "HashFunction", "function", m.ByFunction
	}
	col := t.idx[key] + 1
	seen := make(map[string]int, len(t.rows))
	for i := range t.rows {
		id := t.str(i, key)
		if strings.TrimSpace(id) == "" {
			return Memory{}, &ParseError{File: name, Line: t.lines[i], Column: col, Msg: "empty " + key}
		}
		if prev, dup := seen[id]; dup {
			return Memory{}, &ParseError{File: name, Line: t.lines[i], Column: col,
				Msg: fmt.Sprintf("%s %.12s… already on line %d", what, id, prev)}
		}
		seen[id] = t.lines[i]
		v, err := t.num(i, "AverageAllocatedMb")
		if err != nil {
			return Memory{}, err
		}
		into[id] = v
	}
	return m, nil
}
