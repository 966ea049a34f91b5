package trace

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// invocationLogHeader is the Azure Functions 2021 invocation trace's schema:
// one row per invocation, times in seconds since the trace start (Zhang et
// al., SOSP 2021). The 2019 layouts count invocations per minute instead.
var invocationLogHeader = []string{"app", "func", "end_timestamp", "duration"}

// isInvocationLogHeader reports whether a CSV header is the 2021 schema.
func isInvocationLogHeader(h []string) bool {
	if len(h) != len(invocationLogHeader) {
		return false
	}
	for i, c := range h {
		if strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")) != invocationLogHeader[i] {
			return false
		}
	}
	return true
}

// ParseInvocationLog reads a 2021-schema file (app,func,end_timestamp,
// duration) and converts it to the per-minute form the simulator replays:
// an invocation counts in the minute it started (end − duration), and each
// function's durations become the 2019 percentile summary. Functions come
// in order of first appearance. name is used in error messages.
//
// A function is (app, func): the schema says func is unique only within an
// application (invitro keys it so). Keyed on func alone, a func under two
// apps was one function, its calls and execution times pooled under the
// first app. Such functions are named apart as the 2019 loader names them
// (assignIDs: "func-APP8"); the others keep their func as their ID.
func ParseInvocationLog(r io.Reader, name string) ([]Function, error) {
	fns, _, _, err := parseInvocationLog(r, name)
	return fns, err
}

// startRounding is how far before the trace's start a call may compute to
// start and still be taken as starting at 0: the trace rounds end and
// duration separately (a few milliseconds).
const startRounding = time.Second

// parseInvocationLog is ParseInvocationLog, with the functions renamed
// (named apart from another app's func of the same hash) and notes on what
// was not replayed: calls that started before the trace (more than
// startRounding before its start) are not its arrivals; clamped to 0, they
// were counted in minute 0 whatever the gap (found by a review).
func parseInvocationLog(r io.Reader, name string) ([]Function, []string, []string, error) {
	cr := newCSVReader(r)
	header, err := readHeader(cr, name)
	if err != nil {
		return nil, nil, nil, err
	}
	if !isInvocationLogHeader(header) {
		return nil, nil, nil, &ParseError{File: name, Line: 1, Msg: fmt.Sprintf("header %q: want %q", strings.Join(header, ","), strings.Join(invocationLogHeader, ","))}
	}
	type acc struct {
		app     string
		minutes map[int]uint32
		execMs  []float64
	}
	type appFunc struct{ app, fn string }
	var order []appFunc
	byKey := map[appFunc]*acc{}
	last := -1
	early, earliest := 0, 0.0 // calls that started before the trace
	if err := eachRecord(cr, name, func(rec []string, line int) error {
		rec[0], rec[1] = strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1]) // as the 2019 files' identities
		if rec[1] == "" {
			return &ParseError{File: name, Line: line, Column: 2, Msg: "empty func"}
		}
		var v [2]float64
		for k, col := range []int{2, 3} {
			x, err := strconv.ParseFloat(strings.TrimSpace(rec[col]), 64)
			if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
				return &ParseError{File: name, Line: line, Column: col + 1,
					Msg: fmt.Sprintf("%s: want a non-negative number of seconds, got %q", invocationLogHeader[col], rec[col])}
			}
			v[k] = x
		}
		// The trace rounds end and duration separately, so a request that
		// started at 0 can compute to a few milliseconds before it: clamp.
		start := v[0] - v[1]
		if start < -startRounding.Seconds() {
			early++
			earliest = min(earliest, start)
			return nil
		}
		start = max(0, start)
		// Compare as a float: converting a huge start to int first wraps
		// negative (found by FuzzParseInvocationLog).
		if start/60 >= maxMinutes {
			return &ParseError{File: name, Line: line, Column: 3,
				Msg: fmt.Sprintf("end_timestamp %g s starts after minute %d, the longest trace replayed", v[0], maxMinutes)}
		}
		m := int(start / 60)
		k := appFunc{rec[0], rec[1]}
		a := byKey[k]
		if a == nil {
			a = &acc{app: rec[0], minutes: map[int]uint32{}}
			byKey[k] = a
			order = append(order, k)
		}
		a.minutes[m]++
		a.execMs = append(a.execMs, v[1]*1000)
		last = max(last, m)
		return nil
	}); err != nil {
		return nil, nil, nil, err
	}
	if len(order) == 0 && early > 0 {
		// Rows there were: say why none is replayed (the note below would
		// be lost with the trace; "no invocations" named line 2, which
		// holds one: found by a review).
		if early == 1 {
			return nil, nil, nil, fmt.Errorf("%s: its one call started %.0f s before the trace: nothing to replay", name, -earliest)
		}
		return nil, nil, nil, fmt.Errorf("%s: all %d calls started before the trace (up to %.0f s before its start): nothing to replay", name, early, -earliest)
	}
	if len(order) == 0 {
		return nil, nil, nil, &ParseError{File: name, Line: 2, Msg: "no invocations after the header"}
	}
	out := make([]Function, 0, len(order))
	for _, k := range order {
		a := byKey[k]
		f := Function{Hash: k.fn, App: a.app, PerMinute: make([]uint32, last+1)}
		for m, n := range a.minutes {
			f.PerMinute[m] = n
		}
		d := summarise(a.execMs)
		f.Duration = &d
		out = append(out, f)
	}
	var notes []string
	if early > 0 {
		notes = append(notes, fmt.Sprintf("%s: %d calls started before the trace (up to %.0f s before its start): not replayed", name, early, -earliest))
	}
	return out, assignIDs(out), notes, nil
}

// maxMinutes bounds a per-invocation trace's span (two weeks, the full 2021
// trace) so one bad timestamp cannot allocate gigabytes of minutes.
const maxMinutes = 14 * 1440

// summarise turns single execution times (ms) into the 2019 durations row:
// average, extremes and the percentiles of PctLevels (linear between ranks).
func summarise(ms []float64) Durations {
	s := slices.Clone(ms)
	slices.Sort(s)
	d := Durations{MinMs: s[0], MaxMs: s[len(s)-1], Count: uint64(len(s))}
	var sum float64
	for _, x := range s {
		sum += x
	}
	d.AverageMs = sum / float64(len(s))
	for k, q := range PctLevels {
		pos := q * float64(len(s)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(s)-1)
		d.Pct[k] = s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
	}
	return d
}
