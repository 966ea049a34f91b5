package trace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Trace is one day (or any span) of per-minute invocations.
type Trace struct {
	Dir string
	// Format says where the data comes from, for attribution: Azure2019,
	// Azure2021 or Synthetic.
	Format    Format
	Minutes   int
	Functions []Function
}

// Format is a trace's origin.
type Format string

const (
	Azure2019 Format = "azure2019" // per-minute counts (either layout)
	Azure2021 Format = "azure2021" // per-invocation rows, converted
	Synthetic Format = "synthetic" // generated (sim/synth)
)

// Invocations returns the total invocations of all functions.
func (t *Trace) Invocations() uint64 {
	var n uint64
	for i := range t.Functions {
		n += t.Functions[i].Total()
	}
	return n
}

// File names tried in a trace folder, original layout first.
var (
	invocationFiles = []string{"invocations.csv", "inv.csv"}
	durationFiles   = []string{"durations.csv", "run.csv"}
	memoryFiles     = []string{"memory.csv", "mem.csv"}
)

// Load reads a trace: a folder with an invocations file (required) and,
// when present, its durations and memory files; a folder, or one day's
// invocations file, of the Azure 2019 dataset as downloaded (dataset.go);
// or a folder with a single CSV file in the 2021 per-invocation schema (see
// ParseInvocationLog).
func Load(dir string) (*Trace, error) {
	st, err := os.Stat(dir)
	if err != nil {
		// Read as an empty folder, a typo was "no invocations file".
		return nil, err // *fs.PathError: "stat DIR: no such file or directory"
	}
	if !st.IsDir() {
		return loadDatasetFile(dir)
	}
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS is Load over a folder of any file system; label prefixes file
// names in errors.
func LoadFS(fsys fs.FS, label string) (*Trace, error) {
	for _, n := range invocationFiles {
		if _, err := fs.Stat(fsys, n); err == nil {
			return loadMinuteCounts(fsys, label, label, invocationFiles, durationFiles, memoryFiles)
		}
	}
	if t, ok, err := loadDatasetFolder(fsys, label); ok || err != nil {
		return t, err
	}
	return loadInvocationLog(fsys, label)
}

// openFirst opens the first of names that exists in fsys (nil when none);
// the name it returns is under label, for errors.
func openFirst(fsys fs.FS, label string, names []string) (fs.File, string, error) {
	for _, n := range names {
		f, err := fsys.Open(n)
		if err == nil {
			return f, filepath.Join(label, n), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
	}
	return nil, "", nil
}

// loadMinuteCounts reads per-minute counts from the first of inv (which
// must exist) and joins the first durations and memory files that exist.
// label names the trace (its folder, or the file the caller was given);
// dir is fsys's path, which prefixes file names in errors.
func loadMinuteCounts(fsys fs.FS, label, dir string, inv, dur, mem []string) (*Trace, error) {
	f, name, err := openFirst(fsys, dir, inv)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("%s: no invocations file (tried %v)", label, inv)
	}
	fns, err := ParseInvocations(f, name)
	f.Close()
	if err != nil {
		return nil, err
	}
	t := &Trace{Dir: label, Format: Azure2019, Minutes: len(fns[0].PerMinute), Functions: fns}

	if f, name, err = openFirst(fsys, dir, dur); err != nil {
		return nil, err
	} else if f != nil {
		d, err := ParseDurations(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		for i := range t.Functions {
			if v, ok := d[t.Functions[i].ID]; ok {
				v := v
				t.Functions[i].Duration = &v
			}
		}
	}
	if f, name, err = openFirst(fsys, dir, mem); err != nil {
		return nil, err
	} else if f != nil {
		m, err := ParseMemory(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		for i := range t.Functions {
			fn := &t.Functions[i]
			if v, ok := m.ByFunction[fn.ID]; ok {
				fn.MemoryMB = v
			} else if v, ok := m.ByApp[fn.App]; ok {
				fn.MemoryMB = v
			}
		}
	}
	return t, nil
}

// loadInvocationLog finds the one CSV file of dir whose header is the 2021
// per-invocation schema and loads it.
func loadInvocationLog(fsys fs.FS, label string) (*Trace, error) {
	names, err := fs.Glob(fsys, "*.csv")
	if err != nil {
		return nil, err
	}
	var found []string
	for _, n := range names {
		f, err := fsys.Open(n)
		if err != nil {
			return nil, err
		}
		h, _ := newCSVReader(f).Read()
		f.Close()
		if isInvocationLogHeader(h) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%s: no invocations file (tried %v, and no *.csv with header %s)",
			label, invocationFiles, strings.Join(invocationLogHeader, ","))
	case 1:
	default:
		return nil, fmt.Errorf("%s: %d per-invocation files (%v): want one", label, len(found), found)
	}
	name := filepath.Join(label, found[0])
	f, err := fsys.Open(found[0])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fns, err := ParseInvocationLog(f, name)
	if err != nil {
		return nil, err
	}
	return &Trace{Dir: label, Format: Azure2021, Minutes: len(fns[0].PerMinute), Functions: fns}, nil
}
