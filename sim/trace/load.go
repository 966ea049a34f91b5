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
	// Layout says whose files a 2019 trace was read from, for attribution
	// ("" for the other formats).
	Layout Layout
	// Merged lists the keys found on several rows of the trace's files,
	// and Renamed the functions whose HashFunction another (owner, app)
	// has too, named apart (MergeNote puts both in one line).
	Merged  []Merged
	Renamed []string
	// Notes are what the replay's caller says once on stderr about how
	// the trace was read (functions without a durations row, calls that
	// started before the trace).
	Notes []string
	// Positions[i] is the index of Functions[i] in the trace as it was
	// loaded (or generated); nil when Functions is that trace, in its
	// order. The replay seeds a function's arrivals and execution times
	// with it (Position), so a sample's functions replay what they replay
	// in the whole trace, whichever others were drawn with them (Sample
	// renumbers them; seeded by their place in the sample, their results
	// changed with the draw: found by a review).
	Positions []int
}

// Position is the index of Functions[i] in the trace as loaded: the
// stream of its generator (NewRNG).
func (t *Trace) Position(i int) int {
	if t.Positions == nil {
		return i
	}
	return t.Positions[i]
}

// Layout is where a 2019 trace's files come from.
type Layout string

const (
	// LayoutDataset is a day of the dataset as Azure publishes it
	// (invocations_per_function_md.anon.dNN.csv and that day's files), in
	// the original column order.
	LayoutDataset Layout = "dataset"
	// LayoutInvitro is a trace folder (invocations.csv or inv.csv, …), the
	// layout of vhive-serverless/invitro's samples (shared/traces), in either
	// column order; and a day of the dataset in invitro's column order.
	LayoutInvitro Layout = "invitro"
)

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

// InvocationsIn counts the invocations of the minutes [from, from+minutes),
// a window Config.Window of package sim returned (within the trace).
func (t *Trace) InvocationsIn(from, minutes int) uint64 {
	var n uint64
	for i := range t.Functions {
		for _, c := range t.Functions[i].PerMinute[from : from+minutes] {
			n += uint64(c)
		}
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
// or a folder with a single CSV (or .txt) file in the 2021 per-invocation
// schema, or that file itself (see ParseInvocationLog). A folder holding
// two traces (a 2019 one and another 2019 or a 2021 one) is refused: one
// of them would be replayed and the other's functions dropped unsaid.
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
	logs, err := invocationLogs(fsys)
	if err != nil {
		return nil, err
	}
	for _, n := range invocationFiles {
		if _, err := fs.Stat(fsys, n); err == nil {
			if days, err := datasetDays(fsys); err == nil && len(days) > 0 {
				// Two traces in one folder: one would be replayed, the
				// other's functions dropped without a word.
				return nil, fmt.Errorf("%s: both %s and a dataset day's files (%s): want one trace a folder",
					label, n, fmt.Sprintf(datasetInvocations, days[0]))
			}
			if err := besideLog(label, n, logs); err != nil {
				return nil, err
			}
			return loadMinuteCounts(fsys, label, label, invocationFiles, durationFiles, memoryFiles)
		}
	}
	// One day of the dataset (several are refused by loadDatasetFolder,
	// which names one to pass instead, a file: no 2021 file beside it).
	if days, err := datasetDays(fsys); err == nil && len(days) == 1 {
		if err := besideLog(label, fmt.Sprintf(datasetInvocations, days[0]), logs); err != nil {
			return nil, err
		}
	}
	if t, ok, err := loadDatasetFolder(fsys, label); ok || err != nil {
		return t, err
	}
	return loadInvocationLog(fsys, label, logs)
}

// besideLog refuses a 2019 trace (its invocations file inv) in a folder
// that holds a 2021 per-invocation file too (logs, but inv itself: a
// 2021 file under a 2019 name is refused by its header): two traces, of
// which the 2019 one was replayed and the other's functions dropped
// without a word (found by a review), as two 2019 traces are refused.
func besideLog(label, inv string, logs []string) error {
	for _, l := range logs {
		if l != inv {
			return fmt.Errorf("%s: both %s and a 2021 per-invocation file (%s): want one trace a folder", label, inv, l)
		}
	}
	return nil
}

// openFirst opens the one of names that exists in fsys (nil when none);
// the name it returns is under label, for errors. Two that exist (two
// traces' files copied into one folder: invocations.csv and inv.csv) are
// an error: it opened the first, and the other's data was dropped without
// a word (found by a review).
func openFirst(fsys fs.FS, label string, names []string) (fs.File, string, error) {
	var there []string
	for _, n := range names {
		if _, err := fs.Stat(fsys, n); err == nil {
			there = append(there, n)
		}
	}
	if len(there) > 1 {
		return nil, "", fmt.Errorf("%s: %s are the same kind of file of two traces: want one", label, strings.Join(there, " and "))
	}
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
	parsed, err := parseInvocations(f, name)
	f.Close()
	if err != nil {
		return nil, err
	}
	t := &Trace{Dir: label, Format: Azure2019, Minutes: len(parsed.fns[0].PerMinute), Functions: parsed.fns,
		Merged: parsed.merged, Renamed: parsed.renamed, Layout: LayoutInvitro}
	if _, ok := DatasetDay(filepath.Base(name)); ok && !parsed.invitroColumns {
		t.Layout = LayoutDataset
	}

	invName := name
	if f, name, err = openFirst(fsys, dir, dur); err != nil {
		return nil, err
	} else if f != nil {
		d, err := ParseDurations(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		on := parsed.cols.and(d.cols)
		rows, merged := d.index(on, t.idOn(on))
		t.Merged = append(t.Merged, merged...)
		joined := 0
		for i := range t.Functions {
			if v, ok := rows[t.Functions[i].key().project(on)]; ok {
				t.Functions[i].Duration = &v
				joined++
			}
		}
		t.noteJoin(name, "execution times", len(d.rows), joined)
	}
	if f, name, err = openFirst(fsys, dir, mem); err != nil {
		return nil, err
	} else if f != nil {
		m, err := ParseMemory(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		// Per function on the columns both files have; per app on
		// (HashOwner, HashApp), or HashApp when one file lacks the owner.
		// No shared column, no join: an empty key would match every
		// function. That leaves every function at the default size, which
		// is said as a file joining no function is (it went unsaid: found
		// by a review).
		on := parsed.cols.and(m.cols)
		if !on.hash && !on.app {
			if len(m.rows) > 0 {
				t.Notes = append(t.Notes, fmt.Sprintf("%s: shares no identity column with %s (HashApp, or HashFunction in both): every function's memory sizes are the defaults", name, invName))
			}
		} else {
			rows, merged := m.index(on, t.idOn(on))
			t.Merged = append(t.Merged, merged...)
			joined := 0
			for i := range t.Functions {
				if v, ok := rows[t.Functions[i].key().project(on)]; ok {
					t.Functions[i].MemoryMB = v
					joined++
				}
			}
			t.noteJoin(name, "memory sizes", len(m.rows), joined)
		}
	}
	return t, nil
}

// noteJoin says how a durations or memory file (name, giving what) joined
// the trace's functions: joined of them have a row, of its rows. None (the
// file another day's or sample's: every function runs the defaults) and
// some missing are notes, which went unsaid (found by a review).
func (t *Trace) noteJoin(name, what string, rows, joined int) {
	switch n := len(t.Functions); {
	case rows == 0:
	case joined == 0:
		t.Notes = append(t.Notes, fmt.Sprintf("%s: none of its %d rows is one of the trace's %d functions (another trace's file?): every function's %s are the defaults", name, rows, n, what))
	case joined < n:
		t.Notes = append(t.Notes, fmt.Sprintf("%s: %d of %d functions have no row: their %s are the defaults", name, n-joined, n, what))
	}
}

// idOn names a key of another file joined on the columns on: the ID of
// the trace's function it matches, else its hash or app.
func (t *Trace) idOn(on keyCols) func(fnKey) string {
	ids := make(map[fnKey]string, len(t.Functions))
	for i := range t.Functions {
		ids[t.Functions[i].key().project(on)] = t.Functions[i].ID
	}
	return func(k fnKey) string {
		if id, ok := ids[k]; ok {
			return id
		}
		return join(k.hash, k.app)
	}
}

// key is the function's identity as its invocations row gave it.
func (f *Function) key() fnKey { return fnKey{owner: f.Owner, app: f.App, hash: f.Hash} }

// invocationLogGlobs are the names a 2021 per-invocation file may have: a
// CSV, or the trace as Azure publishes it,
// AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt (a CSV under a .txt
// name, which invitro's preprocess2021 reads as it is).
var invocationLogGlobs = []string{"*.csv", "*.txt"}

// invocationLogs lists the CSV (or .txt) files of fsys whose header is the
// 2021 per-invocation schema.
func invocationLogs(fsys fs.FS) ([]string, error) {
	var names []string
	for _, g := range invocationLogGlobs {
		ns, err := fs.Glob(fsys, g)
		if err != nil {
			return nil, err
		}
		names = append(names, ns...)
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
	return found, nil
}

// loadInvocationLog loads the one file of found (invocationLogs of fsys),
// a folder's 2021 per-invocation file.
func loadInvocationLog(fsys fs.FS, label string, found []string) (*Trace, error) {
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%s: no invocations file (tried %v, and no *.csv or *.txt with header %s)",
			label, invocationFiles, strings.Join(invocationLogHeader, ","))
	case 1:
	default:
		return nil, fmt.Errorf("%s: %d per-invocation files (%v): want one", label, len(found), found)
	}
	return loadInvocationLogFile(fsys, label, found[0], filepath.Join(label, found[0]))
}

// loadInvocationLogFile loads the 2021 per-invocation file n of fsys; name
// is its path for errors, label the trace's.
func loadInvocationLogFile(fsys fs.FS, label, n, name string) (*Trace, error) {
	f, err := fsys.Open(n)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fns, renamed, notes, err := parseInvocationLog(f, name)
	if err != nil {
		return nil, err
	}
	return &Trace{Dir: label, Format: Azure2021, Minutes: len(fns[0].PerMinute), Functions: fns, Renamed: renamed, Notes: notes}, nil
}
