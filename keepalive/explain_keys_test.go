package keepalive

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
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
		prov := memory.New(clock.Real(), memory.Options{})
		a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
		pol, _ := New(Default())
		for i := 20; i >= 0; i-- { // an hourly timer
			pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
		}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window
		if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 {
			t.Fatalf("pre-warmed %+v, want a", rep.Scaled)
		}
		rec := httptest.NewRecorder()
		explain.Handler(oneFunction{a}, w).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions/openfaas-fn/a", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("explain answered %d: %s", rec.Code, rec.Body)
		}
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if sections, _ := doc["sections"].(map[string]any); sections["keepalive"] == nil {
			t.Fatalf("no keepalive section in %s", rec.Body)
		}
		assertSnakeCaseKeys(t, "", doc)

		full, err := json.Marshal(everyFieldSet(t, Explanation{}))
		if err != nil {
			t.Fatal(err)
		}
		var all any
		if err := json.Unmarshal(full, &all); err != nil {
			t.Fatal(err)
		}
		assertSnakeCaseKeys(t, "sections.keepalive", all)
	})
}

// oneFunction is an explain.Lister that knows one function and nothing of it.
type oneFunction struct{ ref provider.Ref }

func (l oneFunction) Refs() []provider.Ref { return []provider.Ref{l.ref} }

func (l oneFunction) Explain(ref provider.Ref) (explain.Function, bool) {
	return explain.Function{Ref: ref.String(), Name: ref.Name, Namespace: ref.Namespace}, ref == l.ref
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// assertSnakeCaseKeys fails for every object key under v, at any depth, that
// is not snake_case; path names where v is, for the message.
func assertSnakeCaseKeys(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			at := strings.TrimPrefix(path+"."+k, ".")
			if !snakeCase.MatchString(k) {
				t.Errorf("key %q at %s is not snake_case", k, at)
			}
			assertSnakeCaseKeys(t, at, sub)
		}
	case []any:
		for _, sub := range v {
			assertSnakeCaseKeys(t, path+"[]", sub)
		}
	}
}

// everyFieldSet returns v (a struct) with every exported field non-zero, so
// that omitempty and omitzero leave no key out of its JSON.
func everyFieldSet[T any](t *testing.T, v T) T {
	t.Helper()
	setAll(t, reflect.ValueOf(&v).Elem())
	return v
}

func setAll(t *testing.T, v reflect.Value) {
	t.Helper()
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		setAll(t, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				setAll(t, v.Field(i))
			}
		}
	default:
		t.Fatalf("everyFieldSet: no value for a field of kind %s (%s): extend it", v.Kind(), v.Type())
	}
}
