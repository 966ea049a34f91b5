package eval

import (
	"fmt"
	"slices"
	"strings"
)

// Selection is which of the matrix's cells a run replays: sim-eval's --tag
// ("all", "tune" or "report") and --only (a substring of "trace / setting").
type Selection struct {
	Tag  string
	Only string
}

// Keep reports whether the selection replays c.
func (s Selection) Keep(c Cell) bool {
	return (s.Tag == "" || s.Tag == "all" || string(c.Tag) == s.Tag) && strings.Contains(c.Name(), s.Only)
}

// SelectCells is the matrix over src and the held-out traces (root's
// folders and extra, as FindHeldOut finds them) that sel keeps, with the
// held-out traces its cells replay. Only a held-out trace some kept cell
// may replay is read: every held-out cell is a report cell, so a tune run
// reads none (it read them all, a day of the dataset taking seconds and
// hundreds of MB, and one that could not be read stopped a run that would
// not replay it). Whether a cell is kept is known before the trace is
// read only up to its label, which says whether the trace is sampled or
// cut (FindHeldOut): a trace is read when a cell under any of its
// possible labels would be kept.
func SelectCells(src Sources, root string, extra []string, maxFunctions, maxMinutes int, sel Selection) ([]Cell, []HeldOut, error) {
	if maxFunctions < 0 || maxMinutes < 0 {
		// FindHeldOut's errors, whatever is selected.
		_, err := FindHeldOut("", nil, maxFunctions, maxMinutes)
		return nil, nil, err
	}
	sources, err := heldOutSources(src, root, extra)
	if err != nil {
		return nil, nil, err
	}
	var wanted []string
	for _, s := range sources {
		if mayKeep(s, maxFunctions, maxMinutes, sel) {
			wanted = append(wanted, s)
		}
	}
	if src.HeldOut, err = loadHeldOut(wanted, maxFunctions, maxMinutes); err != nil {
		return nil, nil, err
	}
	var cells []Cell
	for _, c := range Matrix(src) {
		if sel.Keep(c) {
			cells = append(cells, c)
		}
	}
	return cells, src.HeldOut, nil
}

// mayKeep reports whether sel keeps a cell of the held-out trace src under
// any label FindHeldOut may give it, over every setting Matrix gives a
// held-out trace (a day-long one has them all).
func mayKeep(src string, maxFunctions, maxMinutes int, sel Selection) bool {
	name := heldOutName(src)
	labels := []string{name}
	if maxFunctions > 0 {
		labels = append(labels, fmt.Sprintf("%s-sample%d", name, maxFunctions))
	}
	if maxMinutes > 0 {
		for _, l := range labels {
			labels = append(labels, l+"-"+firstMinutesLabel(maxMinutes))
		}
	}
	var probe Sources
	for _, l := range labels {
		probe.HeldOut = append(probe.HeldOut, HeldOut{Name: l, Source: src, Minutes: max(minutesPerDay, maxMinutes)})
	}
	return slices.ContainsFunc(Matrix(probe), func(c Cell) bool { return c.Source == src && sel.Keep(c) })
}
