package idler

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/jsonkeys"
)

// TestExplainIdleSectionKeysAreSnakeCase: the explain API is snake_case
// (replicas, available_replicas, spec_error, …); an operator scripting it
// with jq must not meet a second convention in the idle section. The answer
// is walked generically, so a camelCase key added later fails too; and a
// section with every field set is walked as well, since the omitempty and
// omitzero fields of one real answer are absent from it.
func TestExplainIdleSectionKeysAreSnakeCase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-time.Hour)
		e := newEnv(t, Config{}, function("a", 1, old, optIn(LabelZeroDuration, "5m")))
		e.src.invoke(ref("a"))
		time.Sleep(time.Minute)
		e.d.RunOnce(t.Context(), time.Now())
		jsonkeys.AssertSection(t, e.d, ref("a"), jsonkeys.EveryFieldSet(t, Explanation{}))
	})
}
