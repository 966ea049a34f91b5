package scaler

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// LabelMinSchedule is the idler's scheduled-minimum label (idler reads it,
// idler.MinScheduleLabel is this constant): listed here so that the scaler,
// which sees every function, does not call it unknown.
const LabelMinSchedule = "faas-autoscaler.io/min-schedule"

// knownLabels are the labels under our prefixes that something reads. Every
// label OpenFaaS itself defines under com.openfaas.scale. is among them (CE:
// min, max, factor, zero; Pro: type, target, target-proportion, zero,
// zero-duration, down.window: the OpenFaaS autoscaling and scale-to-zero
// docs), so none of OpenFaaS's is ever called unknown.
var knownLabels = []string{
	LabelMin, LabelMax, LabelFactor, LabelType, LabelTarget, LabelTargetProportion,
	LabelZero, LabelZeroDuration, LabelDownWindow,
	LabelBurstThreshold, LabelTolerance, LabelExactCE, LabelQueueActivation, LabelMinSchedule,
}

// labelPrefixes are where a key is looked at: our two namespaces, without
// their separator so that a slip in it ("com.openfaas.scale_min") is
// looked at too. Matched without regard to case.
var labelPrefixes = []string{"com.openfaas.scale", "faas-autoscaler"}

// UnknownLabels lists fn's label and annotation keys under our prefixes that
// nothing reads, sorted, each with the known label it probably means when
// one is close: "com.openfaas.scale.zero_duration (did you mean
// com.openfaas.scale.zero-duration?)". nil when there are none. Such a label
// is not an error (OpenFaaS ignores unknown labels, and other tools may own
// some): the function scales on its valid labels, and the user is told.
func UnknownLabels(fn provider.Function) []string {
	var out []string
	for _, m := range []map[string]string{fn.Labels, fn.Annotations} {
		for k := range m {
			if !underPrefix(k) || slices.Contains(knownLabels, k) {
				continue
			}
			s := k
			if meant := closestLabel(k); meant != "" {
				s += " (did you mean " + meant + "?)"
			}
			if !slices.Contains(out, s) { // the same key as a label and an annotation
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// underPrefix reports whether key is under one of labelPrefixes.
func underPrefix(key string) bool {
	for _, p := range labelPrefixes {
		if len(key) >= len(p) && strings.EqualFold(key[:len(p)], p) {
			return true
		}
	}
	return false
}

// closestLabel is the known label key probably means: the nearest within two
// edits, else one equal once '-', '_', '.', '/' and case are dropped
// (down-window for down.window), else one with the same name under the
// other prefix (faas-autoscaler.io/tolerance for
// com.openfaas.scale.tolerance). "" when none is close.
func closestLabel(key string) string {
	best, bestDist := "", 3
	for _, k := range knownLabels {
		if d := editDistance(key, k, bestDist-1); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return best
	}
	sk := squash(key)
	for _, k := range knownLabels {
		if squash(k) == sk {
			return k
		}
	}
	name := labelName(sk)
	for _, k := range knownLabels {
		if labelName(squash(k)) == name {
			return k
		}
	}
	return ""
}

// squashedPrefixes are our prefixes squashed, longest first.
var squashedPrefixes = []string{"comopenfaasscale", "faasautoscalerio", "faasautoscaler"}

// labelName is a squashed key without its squashed prefix: the name the
// user meant, whichever of our prefixes it was written under.
func labelName(squashed string) string {
	for _, p := range squashedPrefixes {
		if rest, ok := strings.CutPrefix(squashed, p); ok {
			return rest
		}
	}
	return squashed
}

// squash drops '-', '_', '.' and '/' and lowers the case: the differences a
// hand-written label most often has from the one meant.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', '/':
			return -1
		}
		return toLower(r)
	}, s)
}

func toLower(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// editDistance is the Levenshtein distance between a and b (bytes: label
// keys are ASCII), or limit+1 as soon as it must exceed limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// noteUnknownLabels keeps fn's unknown labels for the explain API and warns
// once for each new set of them. Called by specOf when it parses fn's labels
// (they changed), never on a pass that reuses the parse; the caller holds
// passMu. Not kept in fnState, whose every byte is spoken for (a map of
// the few functions that have any costs the others nothing but a lookup).
func (l *Loop) noteUnknownLabels(fn *provider.Function) {
	unknown := UnknownLabels(*fn)
	l.mu.Lock()
	prev := l.unknownLabels[fn.Ref]
	if unknown != nil {
		if l.unknownLabels == nil {
			l.unknownLabels = make(map[provider.Ref][]string)
		}
		l.unknownLabels[fn.Ref] = unknown
	} else {
		delete(l.unknownLabels, fn.Ref)
	}
	l.mu.Unlock()
	if unknown != nil && !slices.Equal(prev, unknown) {
		l.log.Warn("function has scaling labels nothing reads; they are ignored (misspelt?)",
			"function", fn.Ref.String(), "labels", unknown)
	}
}

// explainedSpec is the explain API's spec of a function with unknown
// labels: the spec's fields and unknown_labels beside them.
type explainedSpec struct {
	spec          Spec
	unknownLabels []string
}

func (e explainedSpec) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(e.spec)
	if err != nil {
		return nil, err
	}
	u, err := json.Marshal(e.unknownLabels)
	if err != nil {
		return nil, err
	}
	// b is a JSON object ("{…}" with fields): add the field before its end.
	out := append(b[:len(b)-1:len(b)-1], `,"unknown_labels":`...)
	out = append(out, u...)
	return append(out, '}'), nil
}
