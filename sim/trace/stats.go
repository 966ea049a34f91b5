package trace

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Durations is one row of a durations file, in milliseconds, excluding cold
// start time (Azure's definition). AverageMs, MinMs and MaxMs are as the
// file says, a glitch's negative value included (the replay uses Pct). Percentiles are weighted percentiles of
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

// finite reads a finite number, negative included, from row i, column c:
// for the durations' Average, Minimum and Maximum, which the replay does not
// use (it draws from the percentiles) and which day d01 of the 2019 dataset
// has negative on 5 rows (Average -41692 on line 35816: a glitch of the
// collection, AzurePublicDataset issue #13). Refusing them refused the day.
func (t *statsTable) finite(i int, c string) (float64, error) {
	j := t.idx[c]
	v, err := strconv.ParseFloat(strings.TrimSpace(t.rows[i][j]), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, &ParseError{File: t.name, Line: t.lines[i], Column: j + 1,
			Msg: fmt.Sprintf("%s: want a number, got %q", c, t.rows[i][j])}
	}
	return v, nil
}

func (t *statsTable) str(i int, c string) string {
	if j, ok := t.idx[c]; ok {
		return strings.TrimSpace(t.rows[i][j]) // as the invocations file's identities
	}
	return ""
}

// DurationFile is a durations file's rows with their keys, joined with
// the invocations file's by loadMinuteCounts.
type DurationFile struct{ keyedRows[Durations] }

// ParseDurations reads a durations file (original or invitro column order),
// keyed by (HashOwner, HashApp, HashFunction), of the columns it has. A
// function on two rows is no error (the dataset has some, issue #40): the
// join keeps the row with the larger Count (keyedRows.index says why).
func ParseDurations(r io.Reader, name string) (*DurationFile, error) {
	req := append([]string{"HashFunction", "Average", "Count", "Minimum", "Maximum"}, durationPctCols[:]...)
	t, err := readStats(r, name, req)
	if err != nil {
		return nil, err
	}
	out := &DurationFile{keyedRows[Durations]{file: name, cols: colsOf(t.idx), weight: "Count"}}
	for i := range t.rows {
		var d Durations
		var cnt float64
		for _, f := range []struct {
			col string
			dst *float64
		}{{"Average", &d.AverageMs}, {"Minimum", &d.MinMs}, {"Maximum", &d.MaxMs}} {
			if *f.dst, err = t.finite(i, f.col); err != nil {
				return nil, err
			}
		}
		if cnt, err = t.num(i, "Count"); err != nil {
			return nil, err
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
		out.rows = append(out.rows, keyedRow[Durations]{key: t.key(i), line: t.lines[i], weight: cnt, v: d})
	}
	return out, nil
}

// key is row i's identity; a column the file lacks is "".
func (t *statsTable) key(i int) fnKey {
	return fnKey{owner: t.str(i, "HashOwner"), app: t.str(i, "HashApp"), hash: t.str(i, "HashFunction")}
}

// MemoryFile is a memory file's rows: per function when it has a
// HashFunction column (the 10-function sample, as invitro spreads an app's
// memory), per app otherwise (the dataset's app_memory_percentiles).
type MemoryFile struct {
	keyedRows[float64]
	PerFunction bool
}

// ParseMemory reads an app-memory file (AverageAllocatedMb per row), keyed
// by (HashOwner, HashApp[, HashFunction]) of the columns it has. An empty
// key is an error: a row with an empty HashApp was given to every function
// without an app. A key on two rows is not (as in the durations file): the
// join keeps the row with the larger SampleCount, the first when the file
// has no such column.
func ParseMemory(r io.Reader, name string) (*MemoryFile, error) {
	t, err := readStats(r, name, []string{"HashApp", "AverageAllocatedMb"})
	if err != nil {
		return nil, err
	}
	m := &MemoryFile{keyedRows: keyedRows[float64]{file: name, cols: colsOf(t.idx), weight: "SampleCount"}}
	key := "HashApp"
	if m.cols.hash {
		key, m.PerFunction = "HashFunction", true
	}
	_, hasSamples := t.idx["SampleCount"]
	if !hasSamples {
		m.weight = ""
	}
	for i := range t.rows {
		if strings.TrimSpace(t.str(i, key)) == "" {
			return nil, &ParseError{File: name, Line: t.lines[i], Column: t.idx[key] + 1, Msg: "empty " + key}
		}
		v, err := t.num(i, "AverageAllocatedMb")
		if err != nil {
			return nil, err
		}
		var w float64
		if hasSamples {
			if w, err = t.num(i, "SampleCount"); err != nil {
				return nil, err
			}
		}
		m.rows = append(m.rows, keyedRow[float64]{key: t.key(i), line: t.lines[i], weight: w, v: v})
	}
	return m, nil
}
