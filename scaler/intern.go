package scaler

import (
	"runtime"
	"sync"
	"weak"
)

// interned holds one Spec per distinct content for as long as anything
// keeps it: the scaler's and the idler's kept parses of a function's labels
// point at the same one, and so do those of every function configured
// alike (a fleet deployed from one template; every function without
// scaling labels). Each parse kept its own: 2 × 160 bytes a function, 32 MB
// at 100,000 functions. The table holds weak pointers, so a Spec nothing
// keeps any more is collected and its entry removed.
var interned = struct {
	sync.Mutex
	m map[Spec]weak.Pointer[Spec]
}{m: map[Spec]weak.Pointer[Spec]{}}

// Intern returns the kept Spec equal to s, keeping a copy of s if there is
// none. The Spec returned is shared: never change it.
func Intern(s Spec) *Spec {
	if s != s { // a NaN field: equal to nothing, not even itself, so never found
		// A copy made here, not &s: taking s's address moved it to the
		// heap on every call, found or not.
		p := new(Spec)
		*p = s
		return p
	}
	interned.Lock()
	defer interned.Unlock()
	if wp, ok := interned.m[s]; ok {
		if p := wp.Value(); p != nil {
			return p
		}
	}
	p := new(Spec)
	*p = s
	wp := weak.Make(p)
	interned.m[s] = wp
	runtime.AddCleanup(p, forget, internKey{s, wp})
	return p
}

type internKey struct {
	s  Spec
	wp weak.Pointer[Spec]
}

// forget removes a collected Spec's entry, unless another has taken its
// place since (the same content interned again after it was collected).
func forget(k internKey) {
	interned.Lock()
	defer interned.Unlock()
	if interned.m[k.s] == k.wp {
		delete(interned.m, k.s)
	}
}
