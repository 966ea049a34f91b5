package scaler

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// explained returns ref A's explained observation as the API writes it,
// and its newest decision's reason.
func explained(t *testing.T, e *loopEnv) (map[string]any, string) {
	t.Helper()
	f, ok := e.loop.Explain(refA)
	if !ok {
		t.Fatal("a is not explained")
	}
	b, err := json.Marshal(f.Observation)
	if err != nil {
		t.Fatal(err)
	}
	var obs map[string]any
	if err := json.Unmarshal(b, &obs); err != nil {
		t.Fatal(err)
	}
	if len(f.Decisions) == 0 {
		t.Fatal("no decision")
	}
	return obs, f.Decisions[0].Reason
}

// TestTheExplainAPINamesTheCapacityPart: a capacity reading from the
// arrivals is said so in the observation and in the reason's words, and
// one from the in-flight gauge likewise, so an operator can tell "requests
// were waiting" from "the started rate × duration says so".
func TestTheExplainAPINamesTheCapacityPart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, map[string]string{LabelType: "capacity", LabelTarget: "10"}))
		e.src.Set("capacity", refA, 30)
		e.src.SetPart("capacity", refA, metricsource.PartArrivals)
		_ = e.loop.Tick(t.Context(), time.Now())
		obs, reason := explained(t, e)
		if obs["stable_part"] != "arrivals" || obs["burst_part"] != "arrivals" || !strings.Contains(reason, "arrivals × mean duration") {
			t.Errorf("arrivals: observation %v, reason %q", obs, reason)
		}

		time.Sleep(5 * time.Second)
		e.src.Set("capacity", refA, 45)
		e.src.SetPart("capacity", refA, metricsource.PartGauge)
		_ = e.loop.Tick(t.Context(), time.Now())
		obs, reason = explained(t, e)
		if obs["stable_part"] != "gauge" || obs["burst_part"] != "gauge" || !strings.Contains(reason, "in-flight peak") {
			t.Errorf("gauge: observation %v, reason %q", obs, reason)
		}
	})
}

// TestARepeatNeedsTheSameParts: a function at zero whose readings are the
// same but whose source now says their part is decided again, not
// repeated, so what the explain API shows is what it was decided on.
func TestARepeatNeedsTheSameParts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 0, map[string]string{LabelType: "capacity"}))
		e.src.Set("capacity", refA, 0)
		_ = e.loop.Tick(t.Context(), time.Now())
		time.Sleep(5 * time.Second)
		_ = e.loop.Tick(t.Context(), time.Now()) // the same inputs: repeated
		if obs, _ := explained(t, e); obs["burst_part"] != nil {
			t.Fatalf("no part said yet, observation %v", obs)
		}
		e.src.SetPart("capacity", refA, metricsource.PartGauge) // the source now says parts: 0 is the gauge's
		time.Sleep(5 * time.Second)
		_ = e.loop.Tick(t.Context(), time.Now())
		if obs, _ := explained(t, e); obs["burst_part"] != "gauge" || obs["stable_part"] != "gauge" {
			t.Errorf("after the source said the part, observation %v; want gauge for both", obs)
		}
	})
}
