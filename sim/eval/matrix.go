package eval

import (
	"fmt"
	"path/filepath"

	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// Tag says what a cell may be used for under the protocol (docs/sim.md).
type Tag string

const (
	// Tune cells replay data that parameters may be chosen on: the first
	// half of the 200-function day, arrival seeds 1–2, synthetic traces
	// generated at TuneSeed.
	Tune Tag = "tune"
	// Report cells touch none of it; only they judge a change.
	Report Tag = "report"
)

// The protocol's seeds: arrivals (and synthetic traces) at TuneSeeds may be
// looked at while choosing parameters; ReportSeed only when reporting.
var TuneSeeds = []uint64{1, 2}

const (
	TuneSeed   uint64 = 1
	ReportSeed uint64 = 3
)

// Cell is one trace and setting of the matrix.
type Cell struct {
	// Trace is a short label; Source is the folder or synth:NAME@SEED.
	Trace  string `json:"trace"`
	Source string `json:"source"`
	// Setting is a short label of the window and options, unique per trace.
	Setting     string             `json:"setting"`
	FromMinute  int                `json:"from_minute"`
	Minutes     int                `json:"minutes"` // 0: to the end
	Seed        uint64             `json:"seed"`
	Concurrency int                `json:"concurrency"`
	Arrivals    trace.ArrivalModel `json:"arrivals"`
	Tag         Tag                `json:"tag"`
	// Sample is how many of Source's functions are replayed, drawn by
	// trace.Sample with trace.DefaultSampleSeed (0: all of them).
	Sample int `json:"sample,omitempty"`
	// FirstMinutes says the cell's window lies within Source's first this
	// many minutes, all of Source that the matrix replays (sim-eval
	// --max-minutes; 0: the whole trace).
	FirstMinutes int `json:"first_minutes,omitempty"`
}

// Name is "trace / setting".
func (c Cell) Name() string { return c.Trace + " / " + c.Setting }

// The labels Matrix gives the samples in shared/ (a held-out trace may not
// take one).
const (
	LabelDay200     = "azure2019-200fn"
	LabelSample10   = "azure2019-10fn"
	LabelSample2021 = "azure2021-200inv"
)

// Sources are the trace folders the matrix replays (empty: left out).
type Sources struct {
	Day200, Sample10, Sample2021 string
	// HeldOut are traces no parameter was chosen on, beyond the three
	// samples in shared/ (the Azure traces the matrix is also judged on):
	// every cell on them is a report cell.
	HeldOut []HeldOut
}

// HeldOut is a trace outside the matrix's named samples.
type HeldOut struct {
	// Name labels its cells (unique among the matrix's traces).
	Name string
	// Source is what trace.Load reads: a folder, or one day's invocations
	// file of the Azure 2019 dataset.
	Source string
	// Minutes is the trace's length: a trace of a day or more is also
	// replayed in halves, each from a fresh state.
	Minutes int
	// Functions is the trace's count of functions; Sample how many of them
	// its cells replay (0: all; see FindHeldOut).
	Functions, Sample int
	// FirstMinutes is how many of its first minutes its cells replay, when
	// it is longer than that (0: all Minutes; see FindHeldOut).
	FirstMinutes int
	// Note says what its load merged ("" when nothing: trace.MergeNote),
	// for one line on stderr.
	Note string
	// Notes say what else its load met (trace.Trace.Notes: functions
	// without a durations or memory row, calls before the trace), one line
	// each on stderr: its cells replay those functions on the defaults.
	Notes []string

	// loaded is the trace as FindHeldOut read it, for Opener to hand to
	// the cells' loading instead of reading it again (nil when not read).
	loaded *trace.Trace
}

// DefaultSources are the samples in ../shared/traces from the repository root.
func DefaultSources(root string) Sources {
	return Sources{
		Day200:     filepath.Join(root, "azure2019-invitro-200fn"),
		Sample10:   filepath.Join(root, "azure2019-invitro-10fn"),
		Sample2021: filepath.Join(root, "azure2021-invitro-200inv"),
	}
}

// halfDay is where the 200-function day (and a held-out day) is cut in
// two; minutesPerDay is the day itself, --max-minutes' default unit.
const (
	halfDay       = 720
	minutesPerDay = 2 * halfDay
)

// Matrix lists the cells of issue 12 over src.
//
// The 200-function day: the whole day at seeds 1, 2, 3 (all tagged tune:
// each contains the first half); its first half at seeds 1 and 2 and, at
// seed 1, at concurrency 1 and with burst arrivals (tune); its second half
// at seed 3 with the same three settings (report). Each half starts from a
// fresh state. The 10-function and 2021 samples at seed 3 with concurrency
// 10 and 1 and burst arrivals (report). Each synthetic shape generated and
// replayed at TuneSeed (tune) and at ReportSeed (report). Each held-out
// trace at seed 3 with the samples' three settings and, when it spans a
// day, at seeds 1 and 2 as well and each half at concurrency 10, as the
// 200-function day (all report: nothing was chosen on it). A held-out
// trace with FirstMinutes set is as long as that: every window of it ends
// there (the second half is minutes 720 to FirstMinutes-1).
func Matrix(src Sources) []Cell {
	var cells []Cell
	add := func(tr, source, setting string, from, minutes int, seed uint64, conc int, arr trace.ArrivalModel, tag Tag) {
		cells = append(cells, Cell{Trace: tr, Source: source, Setting: setting, FromMinute: from, Minutes: minutes,
			Seed: seed, Concurrency: conc, Arrivals: arr, Tag: tag})
	}
	if src.Day200 != "" {
		const tr = LabelDay200
		for _, s := range []uint64{1, 2, 3} {
			add(tr, src.Day200, fmt.Sprintf("day s%d c10 uniform", s), 0, 0, s, 10, trace.Uniform, Tune)
		}
		for _, s := range TuneSeeds {
			add(tr, src.Day200, fmt.Sprintf("half1 s%d c10 uniform", s), 0, halfDay, s, 10, trace.Uniform, Tune)
		}
		add(tr, src.Day200, "half1 s1 c1 uniform", 0, halfDay, 1, 1, trace.Uniform, Tune)
		add(tr, src.Day200, "half1 s1 c10 burst", 0, halfDay, 1, 10, trace.Burst, Tune)
		add(tr, src.Day200, "half2 s3 c10 uniform", halfDay, 0, ReportSeed, 10, trace.Uniform, Report)
		add(tr, src.Day200, "half2 s3 c1 uniform", halfDay, 0, ReportSeed, 1, trace.Uniform, Report)
		add(tr, src.Day200, "half2 s3 c10 burst", halfDay, 0, ReportSeed, 10, trace.Burst, Report)
	}
	for _, s := range []struct{ tr, dir string }{{LabelSample10, src.Sample10}, {LabelSample2021, src.Sample2021}} {
		if s.dir == "" {
			continue
		}
		add(s.tr, s.dir, "s3 c10 uniform", 0, 0, ReportSeed, 10, trace.Uniform, Report)
		add(s.tr, s.dir, "s3 c1 uniform", 0, 0, ReportSeed, 1, trace.Uniform, Report)
		add(s.tr, s.dir, "s3 c10 burst", 0, 0, ReportSeed, 10, trace.Burst, Report)
	}
	for _, h := range src.HeldOut {
		first := len(cells)
		// A bounded trace's windows end at its bound, explicitly (0 is
		// "to the end of the trace", here and in bench/knative's flags).
		length, end := h.Minutes, 0
		if h.FirstMinutes > 0 {
			length, end = h.FirstMinutes, h.FirstMinutes
		}
		add(h.Name, h.Source, "s3 c10 uniform", 0, end, ReportSeed, 10, trace.Uniform, Report)
		add(h.Name, h.Source, "s3 c1 uniform", 0, end, ReportSeed, 1, trace.Uniform, Report)
		add(h.Name, h.Source, "s3 c10 burst", 0, end, ReportSeed, 10, trace.Burst, Report)
		if length >= minutesPerDay {
			// The 200-function day's other seeds too: no parameter was
			// chosen on a held-out trace, so every seed reports on it.
			for _, s := range TuneSeeds {
				add(h.Name, h.Source, fmt.Sprintf("s%d c10 uniform", s), 0, end, s, 10, trace.Uniform, Report)
			}
			add(h.Name, h.Source, "half1 s3 c10 uniform", 0, halfDay, ReportSeed, 10, trace.Uniform, Report)
			add(h.Name, h.Source, "half2 s3 c10 uniform", halfDay, max(0, end-halfDay), ReportSeed, 10, trace.Uniform, Report)
		}
		for i := first; i < len(cells); i++ {
			cells[i].Sample, cells[i].FirstMinutes = h.Sample, h.FirstMinutes
		}
	}
	for _, k := range synth.Kinds {
		for _, r := range []struct {
			seed uint64
			tag  Tag
		}{{TuneSeed, Tune}, {ReportSeed, Report}} {
			sp := synth.Spec{Kind: k, Seed: r.seed}
			add("synth-"+string(k), sp.String(), fmt.Sprintf("gen s%d c10 uniform", r.seed), 0, 0, r.seed, 10, trace.Uniform, r.tag)
		}
	}
	return cells
}
