package eval

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// FindHeldOut lists the held-out traces: every folder (or link to one)
// directly under root that holds a CSV file and is not one of DefaultSources' three (a folder
// without one, e.g. of notes, is not a trace), in name order, then each of
// extra (a trace folder, or one day's invocations file of the Azure 2019
// dataset) in the order given; one already listed by another path, or one
// of DefaultSources' three, is skipped. Each is loaded once, so a folder that cannot
// be read as a trace is an error naming it before any cell runs, and its
// length decides whether its halves are cells too.
//
// A trace of more than maxFunctions functions (0: no limit) is replayed on
// a uniform sample of maxFunctions of them (trace.Sample, seed
// trace.DefaultSampleSeed), and its label says so ("-sampleN"): a whole day
// of the Azure 2019 dataset holds tens of thousands of functions, which
// every policy's replay, and above all the controller's fleet replay, would
// take hours over.
//
// A trace longer than maxMinutes minutes (0: no limit) is replayed on its
// first maxMinutes minutes (HeldOut.FirstMinutes), and its label says so
// ("-day1" for the default day; after "-sampleN" when both apply): the
// published Azure 2021 trace is 14 days, whose seven cells would replay
// far over the matrix's budget. The first day rather than a random one:
// it is the simplest bound, the same in every run, and it keeps the halves
// "first and second half of a day", as the 200-function day's.
func FindHeldOut(root string, extra []string, maxFunctions, maxMinutes int) ([]HeldOut, error) {
	if maxFunctions < 0 {
		return nil, fmt.Errorf("held-out traces: at most %d functions: want a number of functions, or 0 for all", maxFunctions)
	}
	if maxMinutes < 0 {
		return nil, fmt.Errorf("held-out traces: at most %d minutes: want a number of minutes, or 0 for the whole trace", maxMinutes)
	}
	sources, err := heldOutSources(DefaultSources(root), root, extra)
	if err != nil {
		return nil, err
	}
	return loadHeldOut(sources, maxFunctions, maxMinutes)
}

// heldOutSources lists the held-out traces FindHeldOut reads, unread:
// every trace folder under root but the matrix's own samples (known), and
// extra, but for one of known passed again (by any path: the 200-function
// day passed as --trace was replayed as held out, its tuning half and
// seeds counted among the report cells).
func heldOutSources(known Sources, root string, extra []string) ([]string, error) {
	var sources []string
	if root != "" {
		entries, err := os.ReadDir(root)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		for _, e := range entries {
			dir := filepath.Join(root, e.Name())
			if !isDir(e, dir) || slices.Contains([]string{known.Day200, known.Sample10, known.Sample2021}, dir) {
				continue
			}
			// A trace folder holds CSV files, or the 2021 trace as Azure
			// publishes it (a .txt CSV): a folder of only the latter was
			// skipped without a word, as if it were notes.
			// Matched within the folder: its path is no pattern (a folder
			// named "azure [d01]" read as one matched nothing and was
			// skipped without a word).
			fsys := os.DirFS(dir)
			csvs, _ := fs.Glob(fsys, "*.csv")
			txts, _ := fs.Glob(fsys, "*.txt")
			if len(csvs) > 0 || slices.ContainsFunc(txts, func(n string) bool { return trace.IsInvocationLogFile(filepath.Join(dir, n)) }) {
				sources = append(sources, dir)
			}
		}
	}
	var own []os.FileInfo
	for _, d := range []string{known.Day200, known.Sample10, known.Sample2021} {
		if st, err := os.Stat(d); err == nil {
			own = append(own, st)
		}
	}
	for _, x := range extra {
		if st, err := os.Stat(x); err == nil && slices.ContainsFunc(own, func(o os.FileInfo) bool { return os.SameFile(o, st) }) {
			continue // one of the matrix's own samples: its cells are already there
		}
		sources = append(sources, x)
	}
	return sources, nil
}

// loadHeldOut reads each of sources once, as FindHeldOut says.
func loadHeldOut(sources []string, maxFunctions, maxMinutes int) ([]HeldOut, error) {
	var out []HeldOut
	byName := map[string]string{}
	var seen []os.FileInfo
	for _, src := range sources {
		// The same folder or file by another path (a folder under root
		// passed again, "x/", a link) is one trace, replayed once.
		if st, err := os.Stat(src); err == nil {
			if slices.ContainsFunc(seen, func(o os.FileInfo) bool { return os.SameFile(o, st) }) {
				continue
			}
			seen = append(seen, st)
		}
		tr, err := trace.Load(src)
		if err != nil {
			return nil, fmt.Errorf("held-out trace %s: %w", src, err)
		}
		name, sample, first := heldOutName(src), 0, 0
		if maxFunctions > 0 && len(tr.Functions) > maxFunctions {
			name, sample = fmt.Sprintf("%s-sample%d", name, maxFunctions), maxFunctions
		}
		if maxMinutes > 0 && tr.Minutes > maxMinutes {
			name, first = name+"-"+firstMinutesLabel(maxMinutes), maxMinutes
		}
		if prev, ok := byName[name]; ok {
			return nil, fmt.Errorf("held-out traces %s and %s are both named %s: rename one", prev, src, name)
		}
		if slices.Contains([]string{LabelDay200, LabelSample10, LabelSample2021}, name) || strings.HasPrefix(name, "synth-") {
			return nil, fmt.Errorf("held-out trace %s is named %s, as one of the matrix's own: rename it", src, name)
		}
		byName[name] = src
		out = append(out, HeldOut{Name: name, Source: src, Minutes: tr.Minutes, Functions: len(tr.Functions), Sample: sample,
			FirstMinutes: first, Note: tr.MergeNote(), Notes: tr.Notes, loaded: tr})
	}
	return out, nil
}

// firstMinutesLabel names the first n minutes of a trace in its label:
// "day1" for a day, "days1-N" for whole days, else "firstNmin".
func firstMinutesLabel(n int) string {
	switch {
	case n == minutesPerDay:
		return "day1"
	case n%minutesPerDay == 0:
		return fmt.Sprintf("days1-%d", n/minutesPerDay)
	}
	return fmt.Sprintf("first%dmin", n)
}

// isDir reports whether the entry e of dir's parent is a folder, following
// a symbolic link: held-out folders linked into --traces are traces too (a
// link's entry is not a directory, and they were skipped without a word).
func isDir(e os.DirEntry, dir string) bool {
	if e.Type()&os.ModeSymlink == 0 {
		return e.IsDir()
	}
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}

// Opener returns what Options.Open wants: it hands out each trace
// FindHeldOut read for hs the first time its source is asked for, and
// opens everything else (and a source asked for again) with open. A day of
// the Azure 2019 dataset takes seconds and hundreds of MB to read, and the
// cells' loading read every held-out trace a second time; handed out once,
// the whole trace is garbage as soon as its sample is drawn.
func Opener(hs []HeldOut, open func(string) (*trace.Trace, error)) func(string) (*trace.Trace, error) {
	var mu sync.Mutex
	kept := map[string]*trace.Trace{}
	for _, h := range hs {
		if h.loaded != nil {
			kept[h.Source] = h.loaded
		}
	}
	return func(src string) (*trace.Trace, error) {
		mu.Lock()
		tr, ok := kept[src]
		delete(kept, src)
		mu.Unlock()
		if ok {
			return tr, nil
		}
		return open(src)
	}
}

// unsafeInName is what a cell's trace label may not hold: it names chart
// files (pareto-NAME.svg) and is printed in tables.
var unsafeInName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// heldOutName labels a held-out trace: its folder's name, and for one day's
// invocations file of the dataset, its folder's name and the day.
func heldOutName(src string) string {
	base := filepath.Base(filepath.Clean(src))
	if day, ok := trace.DatasetDay(base); ok {
		base = filepath.Base(filepath.Dir(filepath.Clean(src))) + "-" + day
	}
	return strings.Trim(unsafeInName.ReplaceAllString(base, "-"), "-")
}
