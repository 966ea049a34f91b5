package trace

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Function is one row of an invocations file plus what the durations and
// memory files say about it.
type Function struct {
	// ID names the function in the replay and its outputs: its HashFunction,
	// or, when the file has that hash under another (owner, app) too, a
	// longer name that tells them apart (assignIDs).
	ID string
	// Hash is the HashFunction of the file ("" for a function built in
	// code, whose ID is its name).
	Hash  string
	App   string // HashApp ("" when the layout lacks it)
	Owner string // HashOwner
	// Trigger is http, timer, event, queue, … in the original layout; "" in
	// the invitro rewrite, which dropped the column.
	Trigger string
	// PerMinute holds invocations per minute; index 0 is the trace's first minute.
	PerMinute []uint32
	// Duration is nil when the durations file has no row for the function.
	Duration *Durations
	// MemoryMB is the average allocated memory of the function (or of its app,
	// spread as invitro does); 0 when unknown.
	MemoryMB float64
}

// Total returns the function's invocations over the whole trace.
func (f *Function) Total() uint64 {
	var n uint64
	for _, c := range f.PerMinute {
		n += uint64(c)
	}
	return n
}

// ActiveMinutes counts minutes with at least one invocation.
func (f *Function) ActiveMinutes() int {
	n := 0
	for _, c := range f.PerMinute {
		if c > 0 {
			n++
		}
	}
	return n
}

// maxPerMinute bounds one cell: the busiest Azure function of 2019 did about
// 10^8 invocations a day, so 10^7 in a minute is already absurd and protects
// the simulator from a typo that would allocate gigabytes of arrivals.
const maxPerMinute = 10_000_000

// ParseInvocations reads an invocations-per-minute file in either layout. The
// minute columns are recognised by name ("1".."N" or "minute_1".."minute_N"),
// must be contiguous and increasing, from minute 1 or any later minute (an
// excerpt; the trace starts at its first column, the minute of day is not
// kept); the identity columns may come in any order.
// A function is (HashOwner, HashApp, HashFunction), of the columns the file
// has; one on several rows is merged (parseInvocations). name is used in
// error messages.
func ParseInvocations(r io.Reader, name string) ([]Function, error) {
	inv, err := parseInvocations(r, name)
	if err != nil {
		return nil, err
	}
	return inv.fns, nil
}

// invocations is what an invocations file holds: its functions, which
// identity columns it has, what was merged and which functions renamed.
type invocations struct {
	fns     []Function
	cols    keyCols
	merged  []Merged
	renamed []string
	// invitroColumns: the minute columns are named as invitro's rewrite
	// names them ("minute_1"…), not as the dataset does ("1"…).
	invitroColumns bool
}

func parseInvocations(r io.Reader, name string) (*invocations, error) {
	cr := newCSVReader(r)
	cr.ReuseRecord = true
	header, err := readHeader(cr, name)
	if err != nil {
		return nil, err
	}
	header = append([]string(nil), header...)
	idx := map[string]int{}
	first, firstMinute, minutes, invitro := -1, 0, 0, false
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		m, isMinute := minuteNumber(h)
		switch {
		case isMinute:
			// The first minute column may be any minute of the day:
			// invitro's excerpts keep each minute's number (preprocess -s
			// 00:09:00 writes "540"…, preprocess2021 -s 00:01:00 "2"…) and
			// its loader reads the columns by position. The rest follow on.
			if first < 0 {
				first, firstMinute = i, m
			}
			if m != firstMinute+minutes || i != first+minutes {
				return nil, &ParseError{File: name, Line: 1, Column: i + 1,
					Msg: fmt.Sprintf("minute column %q out of order: want minute %d here", h, firstMinute+minutes)}
			}
			minutes++
			invitro = strings.HasPrefix(h, "minute_")
		case h == "HashFunction" || h == "HashApp" || h == "HashOwner" || h == "Trigger":
			if _, dup := idx[h]; dup {
				return nil, &ParseError{File: name, Line: 1, Column: i + 1, Msg: fmt.Sprintf("duplicate column %q", h)}
			}
			idx[h] = i
		default:
			return nil, &ParseError{File: name, Line: 1, Column: i + 1, Msg: fmt.Sprintf("unknown column %q", h)}
		}
	}
	fi, ok := idx["HashFunction"]
	if !ok {
		return nil, &ParseError{File: name, Line: 1, Msg: "no HashFunction column"}
	}
	if minutes == 0 {
		return nil, &ParseError{File: name, Line: 1, Msg: `no minute columns ("1".. or "minute_1"..)`}
	}
	// Identity values trimmed, as header names and counts are: a file
	// written with ", " between fields loaded with a space in every ID and
	// trigger, and nothing joined to them (found by a review).
	col := func(rec []string, key string) string {
		if i, ok := idx[key]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	out := &invocations{cols: colsOf(idx), invitroColumns: invitro}
	// at is where each key's function is in out.fns; lines its rows.
	at := map[fnKey]int{}
	lines := map[fnKey][]int{}
	capped := map[fnKey]bool{} // a merged minute over maxPerMinute
	perMinute := make([]uint32, minutes)
	if err := eachRecord(cr, name, func(rec []string, line int) error {
		hash := strings.TrimSpace(rec[fi])
		if hash == "" {
			return &ParseError{File: name, Line: line, Column: fi + 1, Msg: "empty HashFunction"}
		}
		for m := 0; m < minutes; m++ {
			c := first + m
			v, err := strconv.ParseUint(strings.TrimSpace(rec[c]), 10, 32)
			if err != nil || v > maxPerMinute {
				return &ParseError{File: name, Line: line, Column: c + 1,
					Msg: fmt.Sprintf("%s: want a count 0..%d, got %q", header[c], maxPerMinute, rec[c])}
			}
			perMinute[m] = uint32(v)
		}
		key := fnKey{owner: col(rec, "HashOwner"), app: col(rec, "HashApp"), hash: hash}
		lines[key] = append(lines[key], line)
		if i, dup := at[key]; dup {
			// One function deployed once, on two rows: the gateway would
			// count both rows' calls for it, so they add up, capped at the
			// bound of one count, and the merge note says so (cut without
			// a word, calls vanished: found by a review). Its trigger is
			// the first row's.
			f := &out.fns[i]
			for m, v := range perMinute {
				if sum := uint64(f.PerMinute[m]) + uint64(v); sum > maxPerMinute {
					f.PerMinute[m] = maxPerMinute
					capped[key] = true
				} else {
					f.PerMinute[m] = uint32(sum)
				}
			}
			return nil
		}
		at[key] = len(out.fns)
		out.fns = append(out.fns, Function{Hash: hash, App: key.app, Owner: key.owner,
			Trigger: col(rec, "Trigger"), PerMinute: append([]uint32(nil), perMinute...)})
		return nil
	}); err != nil {
		return nil, err
	}
	if len(out.fns) == 0 {
		return nil, &ParseError{File: name, Line: 2, Msg: "no functions after the header"}
	}
	out.renamed = assignIDs(out.fns)
	for i := range out.fns {
		f := &out.fns[i]
		k := fnKey{f.Owner, f.App, f.Hash}
		if ls := lines[k]; len(ls) > 1 {
			how := "counts summed"
			if capped[k] {
				how = fmt.Sprintf("counts summed, capped at %d calls a minute", maxPerMinute)
			}
			out.merged = append(out.merged, Merged{File: name, ID: f.ID, Lines: ls, How: how})
		}
	}
	return out, nil
}

// minuteNumber recognises "17" and "minute_17".
func minuteNumber(h string) (int, bool) {
	s := strings.TrimPrefix(h, "minute_")
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
