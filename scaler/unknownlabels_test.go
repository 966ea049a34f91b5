package scaler

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// warnings returns the WARN records a JSON slog handler wrote to buf.
func unknownLabelWarnings(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["level"] == "WARN" && m["labels"] != nil { // the unknown-label warning, not the test source's
			out = append(out, m)
		}
	}
	return out
}

// explainedUnknown is what the explain API's JSON shows of a function's
// spec: the spec's max (it still parsed) and its unknown labels.
func explainedUnknown(t *testing.T, l *Loop, ref provider.Ref) (maxReplicas uint64, unknown []string) {
	t.Helper()
	f, ok := l.Explain(ref)
	if !ok || f.Spec == nil {
		t.Fatalf("%s: no spec explained: %+v", ref, f)
	}
	b, err := json.Marshal(f.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Max           uint64   `json:"max"`
		UnknownLabels []string `json:"unknown_labels"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return got.Max, got.UnknownLabels
}

// TestUnknownScalingLabelIsToldOnce: labels under com.openfaas.scale. and
// faas-autoscaler.io/ that nothing reads used to be ignored without a word,
// so the function ran on the default its author meant to override. They
// are warned about once per function and set of unknown labels, with the
// label probably meant, and shown by the explain API; the function still
// scales on its valid labels.
func TestUnknownScalingLabelIsToldOnce(t *testing.T) {
	var buf bytes.Buffer
	labels := map[string]string{
		LabelMax:                           "5",
		"com.openfaas.scale.zero_duration": "30m",
		"com.openfaas.scale.maximum":       "9",
		"app.kubernetes.io/name":           "a", // not ours: never told
	}
	fa := function(refA, 1, labels)
	// The labels change below on the function as deployed (a relabel),
	// not on a new one deployed under its name: the creation time stays.
	fa.CreatedAt = t0.Add(-time.Hour)
	fa.Annotations = map[string]string{"faas-autoscaler.io/min_schedule": "0 9 * * 1-5 3"}
	e := newLoopEnv(t, func(c *LoopConfig) { c.Logger = slog.New(slog.NewJSONHandler(&buf, nil)) }, fa)
	relabel := func(fn provider.Function) {
		fn.CreatedAt = fa.CreatedAt
		e.prov.set(fn)
	}
	for i := range 3 {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"com.openfaas.scale.maximum",
		"com.openfaas.scale.zero_duration (did you mean com.openfaas.scale.zero-duration?)",
		"faas-autoscaler.io/min_schedule (did you mean faas-autoscaler.io/min-schedule?)",
	}
	w := unknownLabelWarnings(t, &buf)
	if len(w) != 1 {
		t.Fatalf("%d warnings over 3 passes, want 1:\n%s", len(w), buf.String())
	}
	if w[0]["function"] != refA.String() || !strings.Contains(w[0]["msg"].(string), "ignored") {
		t.Errorf("warning %v: want the function and that the labels are ignored", w[0])
	}
	if got := w[0]["labels"]; got == nil || !strings.Contains(buf.String(), want[1]) || !strings.Contains(buf.String(), want[2]) {
		t.Errorf("warning %v: want the labels %q", w[0], want)
	}
	maxReplicas, unknown := explainedUnknown(t, e.loop, refA)
	if maxReplicas != 5 || !slices.Equal(unknown, want) {
		t.Errorf("explained max %d, unknown_labels %q; want max 5 (the valid label still read) and %q", maxReplicas, unknown, want)
	}

	// Another value of a read label: parsed again, the same unknown
	// labels, nothing new to tell.
	buf.Reset()
	labels[LabelMax] = "6"
	relabel(fa)
	if err := e.loop.Tick(t.Context(), t0.Add(3*tickEvery)); err != nil {
		t.Fatal(err)
	}
	if w := unknownLabelWarnings(t, &buf); len(w) != 0 {
		t.Errorf("max changed, the same unknown labels told again: %s", buf.String())
	}
	if maxReplicas, _ := explainedUnknown(t, e.loop, refA); maxReplicas != 6 {
		t.Fatalf("max %d after the labels changed; want 6 (the test provider keeps the map: copy?)", maxReplicas)
	}

	// Another unknown label: told again, with the whole set.
	buf.Reset()
	labels2 := map[string]string{LabelMax: "5", "com.openfaas.scale.zero_duration": "30m", "com.openfaas.scale.targetproportion": "0.5"}
	relabel(function(refA, 1, labels2))
	for i := 4; i < 6; i++ {
		if err := e.loop.Tick(t.Context(), t0.Add(time.Duration(i)*tickEvery)); err != nil {
			t.Fatal(err)
		}
	}
	if w := unknownLabelWarnings(t, &buf); len(w) != 1 || !strings.Contains(buf.String(), "did you mean com.openfaas.scale.target-proportion?") {
		t.Errorf("after a new unknown label: %d warnings, want 1 naming target-proportion:\n%s", len(w), buf.String())
	}

	// Fixed: nothing more to tell, nothing shown.
	buf.Reset()
	relabel(function(refA, 1, map[string]string{LabelMax: "5", LabelZeroDuration: "30m", LabelTargetProportion: "0.5"}))
	if err := e.loop.Tick(t.Context(), t0.Add(6*tickEvery)); err != nil {
		t.Fatal(err)
	}
	if w := unknownLabelWarnings(t, &buf); len(w) != 0 {
		t.Errorf("labels fixed, yet warned: %s", buf.String())
	}
	if _, unknown := explainedUnknown(t, e.loop, refA); unknown != nil {
		t.Errorf("labels fixed, yet unknown_labels %q", unknown)
	}
}

// TestEveryLabelOpenFaaSDefinesIsKnown: the labels OpenFaaS CE and Pro
// define (docs.openfaas.com architecture/autoscaling and scale-to-zero)
// and every label this project reads are never called unknown, whoever
// reads them.
func TestEveryLabelOpenFaaSDefinesIsKnown(t *testing.T) {
	labels := map[string]string{}
	for _, k := range []string{
		"com.openfaas.scale.min", "com.openfaas.scale.max", "com.openfaas.scale.factor", "com.openfaas.scale.zero",
		"com.openfaas.scale.zero-duration", "com.openfaas.scale.type", "com.openfaas.scale.target",
		"com.openfaas.scale.target-proportion", "com.openfaas.scale.down.window",
		LabelBurstThreshold, LabelTolerance, LabelExactCE, LabelQueueActivation, LabelMinSchedule,
		"com.openfaas.health.http.path", "faas_function", "com.openfaas.queue",
	} {
		labels[k] = "1"
	}
	if got := UnknownLabels(provider.Function{Labels: labels, Annotations: labels}); got != nil {
		t.Errorf("known labels called unknown: %q", got)
	}
}

// TestUnknownLabelSuggestions: a label is matched to the one it probably
// means when within two edits, or equal once '-', '_', '.' and case are
// dropped, or the same name under our other prefix; else it is named alone.
func TestUnknownLabelSuggestions(t *testing.T) {
	tests := []struct{ label, want string }{
		{"com.openfaas.scale.zero_duration", "com.openfaas.scale.zero_duration (did you mean com.openfaas.scale.zero-duration?)"},
		{"com.openfaas.scale.down-window", "com.openfaas.scale.down-window (did you mean com.openfaas.scale.down.window?)"},
		{"com.openfaas.scale.targetproportion", "com.openfaas.scale.targetproportion (did you mean com.openfaas.scale.target-proportion?)"},
		{"com.openfaas.scale.Target-Proportion", "com.openfaas.scale.Target-Proportion (did you mean com.openfaas.scale.target-proportion?)"},
		{"com.openfaas.scale.mn", "com.openfaas.scale.mn (did you mean com.openfaas.scale.min?)"},
		{"com.openfaas.scale.tolerance", "com.openfaas.scale.tolerance (did you mean faas-autoscaler.io/tolerance?)"},
		{"faas-autoscaler.io/min_schedule", "faas-autoscaler.io/min_schedule (did you mean faas-autoscaler.io/min-schedule?)"},
		{"com.openfaas.scale_min", "com.openfaas.scale_min (did you mean com.openfaas.scale.min?)"},
		{"com.openfaas.scale.maximum", "com.openfaas.scale.maximum"},
		{"faas-autoscaler.io/something-else", "faas-autoscaler.io/something-else"},
	}
	for _, tc := range tests {
		got := UnknownLabels(provider.Function{Labels: map[string]string{tc.label: "x"}})
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: got %q, want %q", tc.label, got, tc.want)
		}
	}
}
