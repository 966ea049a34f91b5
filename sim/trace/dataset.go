package trace

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The Azure Functions 2019 dataset as downloaded (azurefunctions-dataset2019.tar.xz)
// names its files by day: d01..d14 for invocations and durations, d01..d12
// for memory (per app). A folder of it holds up to 14 days, so a day is
// chosen by passing its invocations file, or by a folder that holds one day.
const (
	datasetInvocations = "invocations_per_function_md.anon.%s.csv"
	datasetDurations   = "function_durations_percentiles.anon.%s.csv"
	datasetMemory      = "app_memory_percentiles.anon.%s.csv"
)

// datasetDay matches a day's invocations file and captures the day ("d01").
var datasetDay = regexp.MustCompile(`^invocations_per_function_md\.anon\.(d[0-9]+)\.csv$`)

// DatasetDay reports whether name (a file's base name) is one day's
// invocations file of the 2019 dataset, and which day ("d03").
func DatasetDay(name string) (day string, ok bool) {
	if m := datasetDay.FindStringSubmatch(name); m != nil {
		return m[1], true
	}
	return "", false
}

// datasetFiles are one day's file names: invocations, durations, memory.
func datasetFiles(day string) (inv, dur, mem []string) {
	return []string{fmt.Sprintf(datasetInvocations, day)}, []string{fmt.Sprintf(datasetDurations, day)},
		[]string{fmt.Sprintf(datasetMemory, day)}
}

// datasetDays lists the days whose invocations file is in fsys, sorted.
func datasetDays(fsys fs.FS) ([]string, error) {
	names, err := fs.Glob(fsys, "invocations_per_function_md.anon.d*.csv")
	if err != nil {
		return nil, err
	}
	var days []string
	for _, n := range names {
		if day, ok := DatasetDay(n); ok {
			days = append(days, day)
		}
	}
	slices.Sort(days)
	return days, nil
}

// loadDatasetFile loads the day of the dataset whose invocations file is
// path (with that day's durations and memory files beside it, when there).
func loadDatasetFile(path string) (*Trace, error) {
	day, ok := DatasetDay(filepath.Base(path))
	if !ok {
		// The 2021 trace as published is one file: read it as given.
		if IsInvocationLogFile(path) {
			return loadInvocationLogFile(os.DirFS(filepath.Dir(path)), path, filepath.Base(path), path)
		}
		return nil, fmt.Errorf("%s: not a trace folder, nor a day of the Azure 2019 dataset (%s), nor a file of the 2021 trace (header %s)", path,
			fmt.Sprintf(datasetInvocations, "dNN"), strings.Join(invocationLogHeader, ","))
	}
	inv, dur, mem := datasetFiles(day)
	return loadMinuteCounts(os.DirFS(filepath.Dir(path)), path, filepath.Dir(path), inv, dur, mem)
}

// loadDatasetFolder loads a folder of the dataset that holds exactly one
// day; ok is false when it holds none.
func loadDatasetFolder(fsys fs.FS, label string) (t *Trace, ok bool, err error) {
	days, err := datasetDays(fsys)
	if err != nil || len(days) == 0 {
		return nil, false, err
	}
	if len(days) > 1 {
		return nil, true, &MultiDayError{Dir: label, Days: days}
	}
	inv, dur, mem := datasetFiles(days[0])
	t, err = loadMinuteCounts(fsys, label, label, inv, dur, mem)
	return t, true, err
}

// MultiDayError is a folder of the dataset holding several days: a trace is
// one day, chosen by its invocations file (Load's callers take it as
// --trace). Typed so that a caller can say more about where it came from.
type MultiDayError struct {
	Dir  string
	Days []string // sorted, "d01"…
}

// FirstDay is the invocations file of the folder's first day.
func (e *MultiDayError) FirstDay() string {
	return filepath.Join(e.Dir, fmt.Sprintf(datasetInvocations, e.Days[0]))
}

func (e *MultiDayError) Error() string {
	return fmt.Sprintf("%s holds %d days of the Azure 2019 dataset (%s): pass one day's invocations file, e.g. --trace %s",
		e.Dir, len(e.Days), strings.Join(e.Days, ", "), e.FirstDay())
}

// IsInvocationLogFile reports whether the file at path starts with the 2021
// per-invocation header (a folder's .txt file is a trace only then: the
// published 2021 trace is one, a README.txt is not).
func IsInvocationLogFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h, _ := newCSVReader(f).Read()
	return isInvocationLogHeader(h)
}
