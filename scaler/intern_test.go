package scaler

import (
	"math"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestInternSharesAlikeSpecs: functions configured alike (two names, the
// same labels) keep one Spec; another configuration keeps its own; and a
// function's kept parse in the scaler is the one the idler's parse of the
// same labels gets (both intern what ParseSpec returns).
func TestInternSharesAlikeSpecs(t *testing.T) {
	d := DefaultDefaults()
	labels := map[string]string{"com.openfaas.scale.max": "7"}
	a, err := ParseSpec(provider.Function{Ref: provider.Ref{Name: "a", Namespace: "ns"}, Labels: labels}, d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseSpec(provider.Function{Ref: provider.Ref{Name: "b", Namespace: "other"}, Labels: map[string]string{"com.openfaas.scale.max": "7"}}, d)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := Intern(a), Intern(b)
	if pa != pb {
		t.Errorf("two functions with the same labels keep two Specs (%p, %p): a Spec must not depend on the function's name", pa, pb)
	}
	c := a
	c.Max = 8
	if pc := Intern(c); pc == pa || pc.Max != 8 || pa.Max != 7 {
		t.Errorf("another configuration shares the kept one: %+v / %+v", *pc, *pa)
	}

	l := newLoopEnv(t, func(c *LoopConfig) { c.Defaults = d }).loop
	var fs fnState
	fn := provider.Function{Ref: provider.Ref{Name: "c", Namespace: "ns"}, Labels: labels}
	if _, err := l.specOf(&fs, &fn); err != nil {
		t.Fatal(err)
	}
	if fs.parsed.spec != pa {
		t.Errorf("the scaler's kept parse (%p) is not the interned Spec (%p)", fs.parsed.spec, pa)
	}
}

// TestInternNaN: a Spec that is not equal to itself (a NaN) is kept apart
// rather than added to the table, where no lookup would ever find it.
func TestInternNaN(t *testing.T) {
	s := Spec{Target: math.NaN()}
	first, second := Intern(s), Intern(s)
	if first == second {
		t.Error("a NaN Spec was found by a lookup")
	}
	interned.Lock()
	defer interned.Unlock()
	for k := range interned.m {
		if math.IsNaN(k.Target) {
			t.Error("a NaN Spec was added to the table")
		}
	}
}

// TestInternFindsWithoutAllocating: a Spec already kept is found without a
// copy on the heap. The NaN case's &s moved s to the heap on every call:
// 160 bytes per parse, 16 MB of garbage in the idler's and the scaler's
// first cycles at 100,000 functions all configured alike.
func TestInternFindsWithoutAllocating(t *testing.T) {
	s := Spec{Min: 1, Max: 7, Target: 3}
	kept := Intern(s)
	var got *Spec
	if n := testing.AllocsPerRun(100, func() { got = Intern(s) }); n != 0 {
		t.Errorf("Intern of a kept Spec allocates %v times, want 0", n)
	}
	if got != kept {
		t.Error("a kept Spec was not found")
	}
}
