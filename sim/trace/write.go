package trace

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// WriteDir writes t into dir (created if missing) in the original Azure 2019
// layout: invocations.csv, and durations.csv and memory.csv for the
// functions that have them, so that Load reads back the same trace (up to
// the durations' Count, which the replay does not use).
func WriteDir(dir string, t *Trace) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name  string
		write func(io.Writer, *Trace) error
	}{{"invocations.csv", WriteInvocations}, {"durations.csv", WriteDurations}, {"memory.csv", WriteMemory}}
	var errs []error
	for _, f := range files {
		out, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			return err
		}
		errs = append(errs, f.write(out, t), out.Close())
	}
	return errors.Join(errs...)
}

// WriteInvocations writes HashOwner,HashApp,HashFunction,Trigger,1..N.
func WriteInvocations(w io.Writer, t *Trace) error {
	cw := csv.NewWriter(w)
	h := []string{"HashOwner", "HashApp", "HashFunction", "Trigger"}
	for m := 1; m <= t.Minutes; m++ {
		h = append(h, strconv.Itoa(m))
	}
	cw.Write(h)
	for i := range t.Functions {
		f := &t.Functions[i]
		rec := []string{f.Owner, f.App, f.hash(), f.Trigger}
		for _, c := range f.PerMinute {
			rec = append(rec, strconv.FormatUint(uint64(c), 10))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteDurations writes the durations file's rows (original column order).
func WriteDurations(w io.Writer, t *Trace) error {
	cw := csv.NewWriter(w)
	cw.Write(append([]string{"HashOwner", "HashApp", "HashFunction", "Average", "Count", "Minimum", "Maximum"}, durationPctCols[:]...))
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for i := range t.Functions {
		f := &t.Functions[i]
		if f.Duration == nil {
			continue
		}
		d := f.Duration
		rec := []string{f.Owner, f.App, f.hash(), num(d.AverageMs), strconv.FormatUint(d.Count, 10), num(d.MinMs), num(d.MaxMs)}
		for _, p := range d.Pct {
			rec = append(rec, num(p))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteMemory writes per-function memory (the 10-function sample's schema,
// reduced to the columns Load reads) for functions with a known size.
func WriteMemory(w io.Writer, t *Trace) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"HashOwner", "HashApp", "HashFunction", "AverageAllocatedMb"})
	for i := range t.Functions {
		f := &t.Functions[i]
		if f.MemoryMB > 0 {
			cw.Write([]string{f.Owner, f.App, f.hash(), strconv.FormatFloat(f.MemoryMB, 'g', -1, 64)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// hash is what the files name the function by: its HashFunction, or its ID
// for a function built in code. Written as read, a function renamed apart
// (assignIDs) reads back under the same name.
func (f *Function) hash() string {
	if f.Hash != "" {
		return f.Hash
	}
	return f.ID
}
