package idler

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// zonedClock is the bubble's clock read in one zone, so that the times the
// actuator stamps (a refusal's back-off) do not follow the machine's TZ.
type zonedClock struct {
	clock.Clock
	loc *time.Location
}

func (c zonedClock) Now() time.Time { return c.Clock.Now().In(c.loc) }

// youngUnknown lists "young" without a creation time: only the idler's
// first sight of it ages it.
type youngUnknown struct{ *testProvider }

func (p youngUnknown) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	fns, err := p.testProvider.Functions(ctx, ns)
	for i := range fns {
		if fns[i].Name == "young" {
			fns[i].CreatedAt = time.Time{}
		}
	}
	return fns, err
}

// TestExplainJSONIsPinned pins the idle section's JSON, byte for byte, of
// a function not opted in, one only the idler's first sight ages (no
// deploy time), one woken from zero, one refused, one idled and one
// active, after two cycles run in a zone other than UTC; and what Explain
// says of a function while a third cycle is between its listing and its
// decisions (the second cycle's explanation). The state the idler keeps
// per function is cut down time after time (footprint_test.go): whatever
// it keeps, Explain must say what it said.
func TestExplainJSONIsPinned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		clk := zonedClock{clock.Real(), ny}
		old := time.Now().Add(-time.Hour)
		p := newTestProvider(t, memory.Options{},
			function("plain", 1, old, nil),
			function("young", 1, time.Time{}, optIn(LabelZeroDuration, "5m")),
			function("woken", 0, old, optIn(LabelZeroDuration, "5m")),
			function("refused", 1, old, optIn(LabelZeroDuration, "5m")),
			function("idled", 2, old, optIn(LabelZeroDuration, "5m")),
			function("active", 1, old, optIn(LabelZeroDuration, "5m")))
		p.FailScale(ref("refused"), 1, &provider.RefusedError{Ref: ref("refused"), Message: memory.ZeroRefusedMessage})
		ac := actuator.Default()
		ac.Provider, ac.Clock = p, clk
		a, err := actuator.New(ac)
		if err != nil {
			t.Fatal(err)
		}
		src := newFakeSource(time.Now().Add(-24 * time.Hour))
		d, err := New(Config{Provider: youngUnknown{p}, Actuator: a, Source: src, Clock: clk, RefusedBackoff: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		src.invoke(ref("active"))
		d.RunOnce(t.Context(), clk.Now())
		time.Sleep(time.Minute)
		if err := p.Scale(t.Context(), ref("woken"), 1); err != nil {
			t.Fatal(err)
		}
		d.RunOnce(t.Context(), clk.Now())

		asJSON := func(name string) string {
			t.Helper()
			x, ok := d.Explain(ref(name))
			if !ok {
				t.Fatalf("%s: not explained", name)
			}
			b, err := json.Marshal(x)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		want := map[string]string{
			"plain":   `{"function":"plain.openfaas-fn","evaluated_at":"1999-12-31T19:01:00-05:00","opted_in":false,"replicas":1,"code":"not_opted_in","reason":"no com.openfaas.scale.zero=true label: never idled"}`,
			"young":   `{"function":"young.openfaas-fn","evaluated_at":"1999-12-31T19:01:00-05:00","opted_in":true,"replicas":1,"code":"too_young","reason":"first seen by the idler 1m0s ago, keep-alive 5m0s","keep_alive":"5m0s","keep_alive_source":"label","would_idle_at":"1999-12-31T19:05:00-05:00"}`,
			"woken":   `{"function":"woken.openfaas-fn","evaluated_at":"1999-12-31T19:01:00-05:00","opted_in":true,"replicas":1,"code":"recently_scaled","reason":"woken from zero 0s ago, keep-alive 5m0s","keep_alive":"5m0s","keep_alive_source":"label","would_idle_at":"1999-12-31T19:06:00-05:00"}`,
			"refused": `{"function":"refused.openfaas-fn","evaluated_at":"1999-12-31T19:01:00-05:00","opted_in":true,"replicas":1,"code":"refused","reason":"never invoked (no series) in the last 5m0s; provider refused zero, retry after 2000-01-01T01:00:00Z","keep_alive":"5m0s","keep_alive_source":"label","idle_since":"1999-12-31T18:56:00-05:00","would_idle_at":"1999-12-31T20:00:00-05:00","refused_until":"1999-12-31T20:00:00-05:00","last_action":"scale to zero refused: provider refused 0 replicas for refused.openfaas-fn: replicas cannot be set to 0 in OpenFaaS CE","last_action_at":"1999-12-31T19:00:00-05:00"}`,
			"idled":   `{"function":"idled.openfaas-fn","evaluated_at":"1999-12-31T19:01:00-05:00","opted_in":true,"replicas":0,"code":"already_zero","reason":"already at zero replicas","keep_alive":"5m0s","keep_alive_source":"label","last_action":"scaled to zero","last_action_at":"1999-12-31T19:00:00-05:00"}`,
			"active":  `{"function":"active.openfaas-fn","evaluated_at":"1999-12-31T19:01:00-05:00","opted_in":true,"replicas":1,"code":"active","reason":"1 invocation(s) started in the last 5m0s","keep_alive":"5m0s","keep_alive_source":"label","last_activity_seen":"1999-12-31T19:01:00-05:00","would_idle_at":"1999-12-31T19:06:00-05:00"}`,
		}
		for _, name := range []string{"plain", "young", "woken", "refused", "idled", "active"} {
			if got := asJSON(name); got != want[name] {
				t.Errorf("%s: Explain =\n%s\nwant\n%s", name, got, want[name])
			}
		}

		// A third cycle, seen from its activity query: its listing is
		// done, its decisions not; "active" is explained as the second
		// cycle left it, "plain" (answered as listed) as the third.
		time.Sleep(time.Minute)
		var midActive, midPlain string
		src.onQuery = func(int) {
			if midActive == "" {
				midActive, midPlain = asJSON("active"), asJSON("plain")
			}
		}
		d.RunOnce(t.Context(), clk.Now())
		if midActive != want["active"] {
			t.Errorf("active during the next cycle: Explain =\n%s\nwant the last cycle's\n%s", midActive, want["active"])
		}
		if wantPlain := `{"function":"plain.openfaas-fn","evaluated_at":"1999-12-31T19:02:00-05:00","opted_in":false,"replicas":1,"code":"not_opted_in","reason":"no com.openfaas.scale.zero=true label: never idled"}`; midPlain != wantPlain {
			t.Errorf("plain during the next cycle: Explain =\n%s\nwant\n%s", midPlain, wantPlain)
		}
	})
}

// TestEveryCodeIsListed: a kept explanation holds its Code as its place in
// Codes (codeKey), so a Code declared in decide.go and missing from Codes
// would be explained as "" (and its metric series not pre-set).
func TestEveryCodeIsListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "decide.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			v := spec.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for i, name := range v.Names {
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok {
					t.Fatalf("%s: not a string literal", name.Name)
				}
				c := Code(strings.Trim(lit.Value, `"`))
				declared++
				if got := codeOf(codeKey(c)); got != c {
					t.Errorf("%s (%q) is kept as %d and explained as %q: add it to Codes", name.Name, c, codeKey(c), got)
				}
			}
		}
	}
	if declared == 0 || declared != len(Codes) || len(Codes) >= unknownCode {
		t.Errorf("decide.go declares %d codes, Codes lists %d (at most %d fit a kept explanation)", declared, len(Codes), unknownCode-1)
	}
	if codeOf(0) != "" || codeOf(unknownCode) != "" || codeKey("no such code") != unknownCode {
		t.Error("an unknown code is not kept as unknownCode and explained as an empty code")
	}
}
