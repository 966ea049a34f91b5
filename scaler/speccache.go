package scaler

import (
	"maps"
	"reflect"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// parsedSpec is one function's labels parsed into a Spec, kept with the
// labels, annotations and defaults it was parsed from. Labels change when a
// function is redeployed, not between passes, and parsing a function's
// fifteen labels (thirty lookups, number parsing, a validation) every pass was
// a fifth of a pass at 100,000 functions.
type parsedSpec struct {
	labels, annotations map[string]string
	gen                 uint64 // Loop.specGen it was parsed under; 0 = never parsed
	// spec is never changed once parsed (a new parse points at another), so
	// the function's state, the explain API and the metrics share it
	// instead of holding a copy each (160 bytes per function per copy); and
	// it is interned (Intern): the idler's parse and every function
	// configured alike point at the same one.
	spec *Spec
	err  error
}

// specOf returns fn's spec, parsing its labels only when they, its
// annotations or the defaults changed since c was filled. The labels are
// compared by content: a provider decodes fresh maps for every listing, so
// the maps' identity says nothing. The caller holds passMu.
// The spec returned is the kept one (not a copy of its 160 bytes for every
// function every pass): never change it.
func (l *Loop) specOf(fs *fnState, fn *provider.Function) (*Spec, error) {
	c := &fs.parsed
	if c.gen == l.specGen && c.spec != nil && SameLabels(c.labels, fn.Labels) && SameLabels(c.annotations, fn.Annotations) {
		return c.spec, c.err
	}
	spec, err := ParseSpec(*fn, l.cfg.Defaults)
	c.spec, c.err = Intern(spec), err
	c.labels, c.annotations, c.gen = fn.Labels, fn.Annotations, l.specGen
	l.noteUnknownLabels(fn)
	fs.floored = l.cfg.MinFloorLabel == "" || hasKey(fn.Labels, l.cfg.MinFloorLabel) || hasKey(fn.Annotations, l.cfg.MinFloorLabel)
	return c.spec, err
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// minFloor is MinFloor's answer for fn at now, without asking it about a
// function whose labels, as last parsed (specOf), lack the label it reads.
func (l *Loop) minFloor(fs *fnState, fn *provider.Function, now time.Time) (uint64, string) {
	if l.cfg.MinFloor == nil || !fs.floored {
		return 0, ""
	}
	return l.cfg.MinFloor(*fn, now)
}

// SameLabels reports whether two label (or annotation) maps hold the same
// entries. A provider that decodes fresh maps for every listing gives new
// maps to compare by content; one that hands out the maps it holds (the
// memory provider, the simulator's) gives the very map the parse was kept
// with, which holds what it holds: comparing it with itself entry by
// entry was a third of the replay's spec checks.
func SameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() {
		return true
	}
	return maps.Equal(a, b)
}
