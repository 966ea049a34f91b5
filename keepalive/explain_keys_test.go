package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/jsonkeys"
)

// TestExplainKeepaliveSectionKeysAreSnakeCase: the explain API is snake_case
// (replicas, available_replicas, spec_error, …); an operator scripting it
// with jq must not meet a second convention in the keepalive section. The
// answer is walked generically, so a camelCase key added later fails too;
// and a section with every field set is walked as well, since the omitzero
// fields of one real answer are absent from it.
func TestExplainKeepaliveSectionKeysAreSnakeCase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov, a, pol := hourlyTimer(autoLabels, start)
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window
		if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 {
			t.Fatalf("pre-warmed %+v, want a", rep.Scaled)
		}
		jsonkeys.AssertSection(t, w, a, jsonkeys.EveryFieldSet(t, Explanation{}))
	})
}
