package jsonkeys

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// AssertSnakeCase fails t for every object key under v (decoded JSON), at
// any depth, that is not snake_case; path names where v is, for the message.
func AssertSnakeCase(t testing.TB, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			at := strings.TrimPrefix(path+"."+k, ".")
			if !snakeCase.MatchString(k) {
				t.Errorf("key %q at %s is not snake_case", k, at)
			}
			AssertSnakeCase(t, at, sub)
		}
	case []any:
		for _, sub := range v {
			AssertSnakeCase(t, path+"[]", sub)
		}
	}
}

// EveryFieldSet returns v (a struct) with every exported field non-zero, so
// that omitempty and omitzero leave no key out of its JSON.
func EveryFieldSet[T any](t testing.TB, v T) T {
	t.Helper()
	setAll(t, reflect.ValueOf(&v).Elem())
	return v
}

func setAll(t testing.TB, v reflect.Value) {
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
	case reflect.Slice:
		// One element, itself with every field set.
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		setAll(t, v.Index(0))
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				setAll(t, v.Field(i))
			}
		}
	default:
		t.Fatalf("EveryFieldSet: no value for a field of kind %s (%s): extend it", v.Kind(), v.Type())
	}
}

// OneFunction is an explain.Lister that knows one function and nothing of
// it: enough to serve a section's part of the explain API.
type OneFunction struct{ Ref provider.Ref }

func (l OneFunction) Refs() []provider.Ref { return []provider.Ref{l.Ref} }

func (l OneFunction) Explain(ref provider.Ref) (explain.Function, bool) {
	return explain.Function{Ref: ref.String(), Name: ref.Name, Namespace: ref.Namespace}, ref == l.Ref
}

// AssertSection serves ref's explanation through explain.Handler with sec,
// fails t unless the answer holds sec's section, and walks the whole answer
// and full (the section's type with every field set, EveryFieldSet: the
// omitted fields of one real answer are absent from it) for keys that are
// not snake_case.
func AssertSection(t testing.TB, sec explain.Section, ref provider.Ref, full any) {
	t.Helper()
	rec := httptest.NewRecorder()
	explain.Handler(OneFunction{Ref: ref}, sec).ServeHTTP(rec,
		httptest.NewRequest(http.MethodGet, "/api/v1/functions/"+ref.Namespace+"/"+ref.Name, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("explain answered %d: %s", rec.Code, rec.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if sections, _ := doc["sections"].(map[string]any); sections[sec.Name()] == nil {
		t.Fatalf("no %s section in %s", sec.Name(), rec.Body)
	}
	AssertSnakeCase(t, "", doc)
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var all any
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	AssertSnakeCase(t, "sections."+sec.Name(), all)
}
