package scaler

import (
	"maps"
	"time"
	"unsafe"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ParsedSpec is one function's labels parsed into a Spec, kept with the
// labels, annotations and defaults it was parsed from: the scaler's kept
// parse (fnState.parsed) and the idler's. Labels change when a function is
// redeployed, not between passes, and parsing a function's fifteen labels
// (thirty lookups, number parsing, a validation) every pass was a fifth of
// a pass at 100,000 functions, and of an idler cycle over 10,000. The zero
// value has parsed nothing.
type ParsedSpec struct {
	KeptLabels        // the labels and annotations it was parsed from
	gen        uint64 // the defaults' number it was parsed under (Of); 0 = never parsed
	// spec is never changed once parsed (a new parse points at another), so
	// the function's state, the explain API and the metrics share it
	// instead of holding a copy each (160 bytes per function per copy); and
	// it is interned (Intern): the scaler's and the idler's parses and every
	// function configured alike point at the same one.
	spec *Spec
	// failed is the parse's error (nil: none; Err), behind a pointer: a
	// parse rarely fails, and inline its 16 bytes took the scaler's fnState
	// past its 288-byte size class, and the idler's past its 144-byte one,
	// once the labels' address was kept too (KeptLabels.labelsAt).
	failed *error
}

// Of returns fn's spec under defaults (numbered gen by its owner, which
// numbers them anew when they change), parsing only when the labels, the
// annotations or the defaults changed (parsed: it did). The labels are
// compared by content (KeptLabels.Same: but for the very map kept, found
// by its address): a provider decodes fresh maps for every listing, so the
// maps' identity says little there. It compares the defaults' number, not
// a copy of them (136 bytes per function), and takes both by pointer. The
// spec returned is the kept one (not a copy of its 160 bytes for every
// function every pass): never change it.
func (c *ParsedSpec) Of(fn *provider.Function, defaults *Defaults, gen uint64) (spec *Spec, parsed bool, err error) {
	if c.gen == gen && c.spec != nil && c.Same(fn) {
		return c.spec, false, c.Err()
	}
	s, err := ParseSpec(*fn, *defaults)
	c.spec, c.failed = Intern(s), nil
	if err != nil {
		e := err // only a failed parse's goes to the heap
		c.failed = &e
	}
	c.Keep(fn)
	c.gen = gen
	return c.spec, true, err
}

// Err is the kept parse's error (nil: none).
func (c *ParsedSpec) Err() error { return errAt(c.failed) }

// errAt is the error p points at (nil for nil): a parse's error kept
// behind a pointer (ParsedSpec.failed, fnState.specFailed).
func errAt(p *error) error {
	if p == nil {
		return nil
	}
	return *p
}

// specOf returns fn's spec (ParsedSpec.Of under the loop's defaults), and
// when it parsed, notes its unknown labels and whether it has the min
// floor's label. The caller holds passMu.
func (l *Loop) specOf(fs *fnState, fn *provider.Function) (*Spec, error) {
	spec, parsed, err := fs.parsed.Of(fn, &l.cfg.Defaults, l.specGen)
	if !parsed {
		return spec, err
	}
	l.noteUnknownLabels(fn)
	fs.floored = l.cfg.MinFloorLabel == "" || hasKey(fn.Labels, l.cfg.MinFloorLabel) || hasKey(fn.Annotations, l.cfg.MinFloorLabel)
	return spec, err
}

// KeptLabels is the labels and annotations a parse of a function was made
// from (the maps themselves, not copies), kept to tell whether a later
// listing of it holds the same ones: the scaler's, the idler's and the
// pre-warmer's kept parses each hold one. The zero value keeps no labels and
// no annotations (as nil maps).
type KeptLabels struct {
	labels, annotations map[string]string
	// labelsAt is labels' address (mapAddress), set with it by Keep only.
	// labels holds that map, so no other map is at it while it is kept: a
	// listing that hands the very map again (the memory provider, the
	// simulator) is found by one map's address instead of two
	// (SameLabels), without reading either map's header.
	labelsAt uintptr
}

// Keep keeps fn's labels and annotations as the ones k was parsed from.
func (k *KeptLabels) Keep(fn *provider.Function) {
	k.labels, k.annotations, k.labelsAt = fn.Labels, fn.Annotations, mapAddress(fn.Labels)
}

// Same reports whether fn's labels and annotations hold what k keeps:
// SameLabels for each, but the very labels map k holds is found by its kept
// address (labelsAt), one address read where SameLabels reads two.
func (k *KeptLabels) Same(fn *provider.Function) bool {
	if mapAddress(fn.Labels) != k.labelsAt && !SameLabels(k.labels, fn.Labels) {
		return false
	}
	// Most functions have no annotations, kept or listed: those need no
	// call (a third of this check's cost in a trace replay).
	return k.annotations == nil && fn.Annotations == nil || SameLabels(k.annotations, fn.Annotations)
}

// mapAddress is m's address (0 for a nil map): two maps at one address
// while both are held are the same map. A map value is one word, the
// pointer to the runtime's map (what reflect.Value.Pointer answers for a
// map: "the underlying map pointer"; the arrays below hold the compiler to
// the one word), and that word is read as it is: through reflect (a Value made,
// its kind and type checked, no call inlined) it was 50 instructions per
// function per pass, 1.8 % of the trace replay. TestMapAddressIsReflects
// compares the two.
func mapAddress(m map[string]string) uintptr {
	return uintptr(*(*unsafe.Pointer)(unsafe.Pointer(&m)))
}

// A map value is exactly one pointer word, which mapAddress reads it as:
// where it is not, one of these lengths is negative and the package does
// not compile.
var (
	_ [unsafe.Sizeof(map[string]string(nil)) - unsafe.Sizeof(unsafe.Pointer(nil))]struct{}
	_ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(map[string]string(nil))]struct{}
)

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
	if a == nil || b == nil {
		// A nil map holds nothing: the same as an empty one. Two nils
		// (most functions' annotations) read no map at all.
		return len(a) == len(b)
	}
	return sameMaps(a, b)
}

// sameMaps is SameLabels for two maps, neither nil: the same map first,
// which reads neither map's header (a cache miss per function per pass
// where the provider hands the map it holds).
func sameMaps(a, b map[string]string) bool {
	if mapAddress(a) == mapAddress(b) {
		return true
	}
	return len(a) == len(b) && maps.Equal(a, b)
}
