package eval

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// Attribution is every line AttributionOf can print: the 2019 trace as
// re-published by vhive-serverless/invitro (the samples in shared/), the
// 2019 trace as Azure publishes it, and the 2021 trace.
var Attribution = []string{attribution2019Invitro, attribution2019Azure, attribution2021}

const (
	attribution2019Invitro = `Azure Functions 2019 trace: Shahrad et al., "Serverless in the Wild", USENIX ATC 2020, CC BY 4.0, via vhive-serverless/invitro (MIT).`
	attribution2019Azure   = `Azure Functions 2019 trace: Shahrad et al., "Serverless in the Wild", USENIX ATC 2020, CC BY 4.0, from Azure/AzurePublicDataset.`
	attribution2021        = `Azure Functions 2021 trace: Zhang et al., "Faster and Cheaper Serverless Computing on Harvested Resources", SOSP 2021, CC BY 4.0, via vhive-serverless/invitro (MIT).`
)

// AttributionOf is the lines to print with a run's cells: each Azure trace
// it replayed, once. The 2019 line names invitro when a trace of invitro's
// layout is among them (a trace folder: the samples it re-publishes), and
// only Azure's dataset otherwise (days passed as the dataset names them):
// naming invitro for a day it never re-published misattributed the data.
// Synthetic traces need no line.
func AttributionOf(rs []CellResult) []string {
	var invitro, azure, y2021 bool
	for _, r := range rs {
		switch {
		case r.Format == trace.Azure2021:
			y2021 = true
		case r.Format == trace.Azure2019 && r.Layout == trace.LayoutDataset:
			azure = true
		case r.Format == trace.Azure2019:
			invitro = true
		}
	}
	// Both when a run mixes them (invitro's samples beside a held-out day
	// of the dataset): the dataset's day was credited to invitro (a
	// review's finding).
	var out []string
	if invitro {
		out = append(out, attribution2019Invitro)
	}
	if azure {
		out = append(out, attribution2019Azure)
	}
	if y2021 {
		out = append(out, attribution2021)
	}
	return out
}

// cellAttribution is the footer of a cell's charts.
func cellAttribution(c CellResult) string {
	return report.AttributionOf(&trace.Trace{Format: c.Format, Layout: c.Layout})
}

// Document is the matrix's JSON output.
type Document struct {
	Attribution []string     `json:"attribution"`
	Candidate   string       `json:"candidate"`
	Baseline    string       `json:"baseline"`
	Bounds      Bounds       `json:"bounds"`
	ClassBounds ClassBounds  `json:"class_bounds"`
	Config      Settings     `json:"config"`
	Tally       []Tally      `json:"tally"`
	Cells       []CellResult `json:"cells"`
	// WallSeconds and CPUSeconds are the whole run's (user+sys of the
	// process; Knative's runs are child processes, included when waited).
	WallSeconds float64 `json:"wall_seconds"`
	CPUSeconds  float64 `json:"cpu_seconds"`
}

// Bounds are the verdict's inequalities.
type Bounds struct {
	P75ColdRatio float64 `json:"p75_function_cold_ratio_max_times_baseline"`
	ColdStarts   float64 `json:"cold_starts_max_times_baseline"`
	IdleReplica  float64 `json:"idle_replica_seconds_max_times_baseline"`
	WaitP99Delta float64 `json:"wait_p99_max_seconds_over_baseline"`
}

// ClassBounds are the per-class bands in calls per day.
type ClassBounds struct {
	RareBelow int `json:"rare_below_per_day"`
	BusyFrom  int `json:"busy_from_per_day"`
}

// Settings are the options every cell shares.
type Settings struct {
	ColdStart   string `json:"cold_start"`
	DefaultExec string `json:"default_exec"`
	Knative     bool   `json:"knative_kpa"`
	// Scrape is the candidate's gateway scrape interval.
	Scrape      string `json:"scrape,omitempty"`
	ScrapePhase string `json:"scrape_phase,omitempty"`
}

// Tally counts cells meeting the goal, per tag.
type Tally struct {
	Tag   Tag `json:"tag"`
	Cells int `json:"cells"`
	Met   int `json:"met"`
}

// NewDocument assembles the output of one run.
func NewDocument(rs []CellResult, o Options) Document {
	d := Document{Attribution: AttributionOf(rs), Candidate: o.Candidate, Baseline: o.Baseline,
		Bounds:      Bounds{MaxP75Ratio, MaxColdRatio, MaxIdleRatio, MaxWaitP99},
		ClassBounds: ClassBounds{RareBelowPerDay, BusyFromPerDay},
		Config:      Settings{ColdStart: o.Config.ColdStart.String(), DefaultExec: o.Config.DefaultExec.String(), Knative: o.Knative != ""},
		Cells:       rs}
	if o.Scrape > 0 {
		d.Config.Scrape, d.Config.ScrapePhase = o.Scrape.String(), o.ScrapePhase
	}
	for _, tag := range []Tag{Tune, Report} {
		t := Tally{Tag: tag}
		for _, r := range rs {
			if r.Tag == tag {
				t.Cells++
				if r.Verdict.Met {
					t.Met++
				}
			}
		}
		d.Tally = append(d.Tally, t)
	}
	return d
}

// JSON writes d indented.
func JSON(w io.Writer, d Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// check renders one inequality for the table: "0.45× met".
func check(c Check, unit string) string {
	v := "n/a"
	if c.Value != nil {
		if unit == "s" {
			v = fmt.Sprintf("%+.2fs", *c.Value)
		} else {
			v = fmt.Sprintf("%.2f×", *c.Value)
		}
	}
	if c.Met {
		return v + " met"
	}
	return v + " NOT MET"
}

// priceCell renders the p75 price: "+1.3%", or "n/a" out of its reach.
func priceCell(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("+%.1f%%", 100**p)
}

// floorCell renders the p75 floor's ratio: "0.12×", or "1.00× out of
// reach" when even the floor misses the p75 bound.
func floorCell(c Check) string {
	v := "n/a"
	if c.Value != nil {
		v = fmt.Sprintf("%.2f×", *c.Value)
	}
	if !c.Met {
		v += " out of reach"
	}
	return v
}

// Table writes the verdict table: one row per cell.
func Table(w io.Writer, d Document) error {
	for _, a := range d.Attribution {
		fmt.Fprintln(w, a)
	}
	fmt.Fprintf(w, "\n%s vs %s: p75-function cold ratio ≤ %.1f×, cold starts ≤ %.1f×, idle replica-s ≤ %.1f×, wait p99 ≤ +%.1fs, no peer better on all three\n\n",
		d.Candidate, d.Baseline, d.Bounds.P75ColdRatio, d.Bounds.ColdStarts, d.Bounds.IdleReplica, d.Bounds.WaitP99Delta)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "trace\tsetting\ttag\tp75 cold ≤0.5×\tp75 floor\tp75 price\tcold starts ≤1×\tidle ≤1×\twait p99 ≤+0.5s\tdominated by\tgoal\t")
	for _, r := range d.Cells {
		v := r.Verdict
		dom := "none"
		if len(v.DominatedBy) > 0 {
			dom = strings.Join(v.DominatedBy, ",")
		}
		goal := "MISSED"
		if v.Met {
			goal = "met"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Trace, r.Setting, r.Tag,
			check(v.P75Cold, "×"), floorCell(v.P75Floor), priceCell(v.P75Price), check(v.Cold, "×"), check(v.Idle, "×"), check(v.WaitP99, "s"), dom, goal)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "p75 floor: the p75 cold ratio of a policy cold only on each function's first call, over %s's; above %.1f× the p75 clause is out of reach of any policy that warms no function before its first call\n\n",
		d.Baseline, d.Bounds.P75ColdRatio)
	fmt.Fprintf(w, "p75 price: the least idle, as a share of %s's, that one keep-alive per function (one replica, never shorter than %s's, chosen knowing every arrival) adds to meet the p75 clause; a policy that keeps the idle clause too must save at least that much elsewhere (docs/sim.md)\n\n",
		d.Baseline, d.Baseline)
	for _, t := range d.Tally {
		fmt.Fprintf(w, "%s cells: goal met on %d of %d\n", t.Tag, t.Met, t.Cells)
	}
	for _, r := range d.Cells {
		for _, e := range r.Errors {
			fmt.Fprintf(w, "note: %s: %s\n", r.Name(), e)
		}
	}
	return nil
}

// CSV writes the verdict table, one row per cell.
func CSV(w io.Writer, d Document) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"trace", "setting", "tag", "source", "from_minute", "minutes", "seed", "concurrency", "arrivals",
		"p75_cold_ratio_vs_baseline", "p75_met", "cold_starts_vs_baseline", "cold_met", "idle_vs_baseline", "idle_met",
		"wait_p99_delta_seconds", "wait_met", "dominated_by", "goal_met", "seconds", "p75_floor_vs_baseline", "p75_reachable", "p75_price_idle_share"})
	for _, r := range d.Cells {
		v := r.Verdict
		var sec float64
		for _, s := range r.Seconds {
			sec += s
		}
		cw.Write([]string{r.Trace, r.Setting, string(r.Tag), r.Source, strconv.Itoa(r.FromMinute), strconv.Itoa(r.ReplayedMinutes),
			strconv.FormatUint(r.Seed, 10), strconv.Itoa(r.Concurrency), string(r.Arrivals),
			num(v.P75Cold.Value), strconv.FormatBool(v.P75Cold.Met), num(v.Cold.Value), strconv.FormatBool(v.Cold.Met),
			num(v.Idle.Value), strconv.FormatBool(v.Idle.Met), num(v.WaitP99.Value), strconv.FormatBool(v.WaitP99.Met),
			strings.Join(v.DominatedBy, " "), strconv.FormatBool(v.Met), strconv.FormatFloat(round(sec, 2), 'f', -1, 64),
			num(v.P75Floor.Value), strconv.FormatBool(v.P75Floor.Met), num(v.P75Price)})
	}
	cw.Flush()
	return cw.Error()
}

func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// ClassTable writes the candidate's per-class figures beside the baseline's.
func ClassTable(w io.Writer, d Document) error {
	fmt.Fprintf(w, "per class (rare < %d calls/day ≤ medium < %d ≤ busy): %s vs %s\n\n", d.ClassBounds.RareBelow, d.ClassBounds.BusyFrom, d.Candidate, d.Baseline)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "trace\tsetting\tclass\tfunctions\tcold starts\tvs base\tp75 cold ratio\tbase p75\tidle replica-h\tvs base\t")
	for _, r := range d.Cells {
		for _, c := range r.Classes {
			if c.Policy != d.Candidate || c.Functions == 0 {
				continue
			}
			var b ClassRow
			for _, x := range r.Classes {
				if x.Policy == d.Baseline && x.Class == c.Class {
					b = x
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%.1f\t%s\t\n", r.Trace, r.Setting, c.Class, c.Functions,
				c.ColdStarts, times(c.ColdVsBase), ratio(c.P75ColdRatio), ratio(b.P75ColdRatio), c.IdleReplica/3600, times(c.IdleVsBase))
		}
	}
	return tw.Flush()
}

// ClassCSV writes every policy's per-class rows.
func ClassCSV(w io.Writer, d Document) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"trace", "setting", "tag", "class", "policy", "functions", "invocations", "cold_starts",
		"p75_function_cold_start_ratio", "idle_replica_seconds", "cold_starts_vs_baseline", "idle_vs_baseline"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	for _, r := range d.Cells {
		for _, c := range r.Classes {
			cw.Write([]string{r.Trace, r.Setting, string(r.Tag), string(c.Class), c.Policy, strconv.Itoa(c.Functions),
				strconv.FormatUint(c.Invocations, 10), strconv.FormatUint(c.ColdStarts, 10), f(c.P75ColdRatio),
				f(c.IdleReplica), f(c.ColdVsBase), f(c.IdleVsBase)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func times(x float64) string {
	if x < 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", x)
}

func ratio(x float64) string {
	if x < 0 {
		return "-"
	}
	return strconv.FormatFloat(x, 'f', 4, 64)
}
