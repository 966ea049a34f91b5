package idler

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
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
		rec := httptest.NewRecorder()
		explain.Handler(jsonkeys.OneFunction{Ref: ref("a")}, e.d).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ref("a").Namespace+"/a", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("explain answered %d: %s", rec.Code, rec.Body)
		}
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if sections, _ := doc["sections"].(map[string]any); sections["idle"] == nil {
			t.Fatalf("no idle section in %s", rec.Body)
		}
		jsonkeys.AssertSnakeCase(t, "", doc)

		full, err := json.Marshal(jsonkeys.EveryFieldSet(t, Explanation{}))
		if err != nil {
			t.Fatal(err)
		}
		var all any
		if err := json.Unmarshal(full, &all); err != nil {
			t.Fatal(err)
		}
		jsonkeys.AssertSnakeCase(t, "sections.idle", all)
	})
}
