package eval

import (
	"math"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// Class is a band of functions by invocations per day.
type Class string

// The bands, by calls per day scaled from the replayed window (a 12-hour
// window's counts are doubled): rare is fewer than one call an hour on
// average (< 24/day), busy at least one a minute (≥ 1440/day, the bound
// issue 12's split measured at), medium in between. Functions without a call
// in the window are rare.
const (
	Rare   Class = "rare"
	Medium Class = "medium"
	Busy   Class = "busy"

	RareBelowPerDay = 24
	BusyFromPerDay  = 1440
)

// Classes lists the bands in order.
var Classes = []Class{Rare, Medium, Busy}

// ClassOf places a function with n invocations over minutes minutes.
func ClassOf(n uint64, minutes int) Class {
	perDay := float64(n) * 1440 / float64(minutes)
	switch {
	case perDay < RareBelowPerDay:
		return Rare
	case perDay < BusyFromPerDay:
		return Medium
	}
	return Busy
}

// ClassRow is one policy on one band of one cell.
type ClassRow struct {
	Class        Class   `json:"class"`
	Policy       string  `json:"policy"`
	Functions    int     `json:"functions"`
	Invocations  uint64  `json:"invocations"`
	ColdStarts   uint64  `json:"cold_starts"`
	P75ColdRatio float64 `json:"p75_function_cold_start_ratio"` // -1: no function with calls
	IdleReplica  float64 `json:"idle_replica_seconds"`
	// ColdVsBase and IdleVsBase are over the baseline's figures in the same
	// band (-1 when the baseline's is 0).
	ColdVsBase float64 `json:"cold_starts_vs_baseline"`
	IdleVsBase float64 `json:"idle_vs_baseline"`
}

// Breakdown splits each result's functions into the bands (the same
// functions for every policy: the class depends on the trace only) and
// normalises to baseline's row in each band. rs must hold per-function
// results (an included JSON run has none and is left out).
func Breakdown(rs []sim.Result, minutes int, baseline string) []ClassRow {
	var out []ClassRow
	base := map[Class]ClassRow{}
	for _, r := range rs {
		rows := map[Class]*ClassRow{}
		ratios := map[Class][]float64{}
		for _, c := range Classes {
			rows[c] = &ClassRow{Class: c, Policy: r.Policy}
		}
		for i := range r.Functions {
			f := &r.Functions[i]
			row := rows[ClassOf(f.Invocations, minutes)]
			row.Functions++
			row.Invocations += f.Invocations
			row.ColdStarts += f.ColdStarts
			row.IdleReplica += f.IdleReplicaSeconds
			if f.Invocations > 0 {
				ratios[row.Class] = append(ratios[row.Class], f.ColdRatio())
			}
		}
		for _, c := range Classes {
			row := rows[c]
			row.P75ColdRatio = round6(sim.Percentile(ratios[c], 0.75))
			row.IdleReplica = math.Round(row.IdleReplica*10) / 10
			if r.Policy == baseline {
				base[c] = *row
			}
			out = append(out, *row)
		}
	}
	for i := range out {
		b := base[out[i].Class]
		out[i].ColdVsBase, out[i].IdleVsBase = -1, -1
		if b.ColdStarts > 0 {
			out[i].ColdVsBase = round(float64(out[i].ColdStarts)/float64(b.ColdStarts), 4)
		}
		if b.IdleReplica > 0 {
			out[i].IdleVsBase = round(out[i].IdleReplica/b.IdleReplica, 4)
		}
	}
	return out
}

func round6(x float64) float64 {
	if math.IsNaN(x) {
		return -1
	}
	return round(x, 6)
}
