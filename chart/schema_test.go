package chart

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

const schemaPath = chartDir + "/values.schema.json"

// durationPattern is the grammar of Go's time.ParseDuration, which the
// controller's decoder reads durations with: a sign, then numbers with a
// unit, each with digits before or after its point ("90s", "1m30s", ".5s",
// "1.m", "+5s"), or a bare 0. The schema's pattern refused ".5s", "1.m",
// "+5s" and the Greek mu of "μs", which the controller reads. It says
// nothing of a duration's size (a number too large for Go is refused by the
// template's parse): the bounds are the template's (fa.checkConfig), which
// compares with Go's own reading.
const durationPattern = `^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$`

// configBounds are config.Validate's rules on one key alone that a JSON
// schema states exactly, keyed by the key's path: ranges of numbers, and
// patterns. Durations' bounds and rules between keys are the template's
// (fa.checkConfig); TestChartRefusesWhatTheControllerRefuses holds both to
// the controller's verdicts.
var configBounds = map[string]map[string]any{
	"scaler.history_size":          {"minimum": 0},
	"defaults.max":                 {"minimum": 1},
	"defaults.factor":              {"minimum": 1, "maximum": 100},
	"defaults.type":                typeNameSchema(),
	"defaults.target":              {"exclusiveMinimum": 0},
	"defaults.target_proportion":   {"exclusiveMinimum": 0, "maximum": 1},
	"defaults.burst_threshold":     {"minimum": 1},
	"defaults.tolerance":           {"minimum": 0, "exclusiveMaximum": 1},
	"defaults.scale_up_rate":       {"minimum": 1},
	"defaults.scale_down_rate":     {"exclusiveMinimum": 0, "maximum": 1},
	"idler.schedule":               {"pattern": `\S`}, // the cron grammar is the controller's
	"keep_alive.prewarm_share":     {"minimum": 0, "maximum": 1},
	"actuator.workers":             {"minimum": 1, "maximum": actuator.MaxWorkers},
	"prometheus.coverage_selector": {"minLength": 1}, // PromQL's grammar is the controller's
	"server.max_header_bytes":      {"minimum": 4 << 10, "maximum": 64 << 20},
	"server.max_connections":       {"minimum": 0},
	"server.max_in_flight":         {"minimum": 0},
}

// typeNameSchema is defaults.type: a name of the scaler's label grammar, and
// not a built-in type in another case ("RPS": taken as a custom type, it
// reads a series no rule writes, so the controller refuses it). The name's
// pattern admits ASCII letters only, so a built-in in another case is one in
// another ASCII case.
func typeNameSchema() map[string]any {
	builtins := []string{metricsource.TypeRPS, metricsource.TypeCapacity, metricsource.TypeCPU, metricsource.TypeQueue, scaler.TypeStep}
	var anyCase []string
	for _, b := range builtins {
		var p strings.Builder
		for _, r := range b {
			p.WriteString("[" + string(r) + string(unicode.ToUpper(r)) + "]")
		}
		anyCase = append(anyCase, p.String())
	}
	return map[string]any{
		"pattern": `^[a-zA-Z_][a-zA-Z0-9_]*$`,
		"anyOf": []any{
			map[string]any{"enum": builtins},
			map[string]any{"not": map[string]any{"pattern": "^(" + strings.Join(anyCase, "|") + ")$"}},
		},
	}
}

// schemaOf is the JSON schema of a config type at path: objects (or null,
// a section with every key commented out) with exactly the fields' yaml
// names (additionalProperties false, so a typo in `config:` fails at `helm
// install`, not at the controller's start),
// durations as strings of Go's grammar or a plain 0, unsigned integers with minimum 0,
// and the key's configBounds.
func schemaOf(t reflect.Type, path string) map[string]any {
	s := typeSchema(t, path)
	for k, v := range configBounds[path] {
		s[k] = v
	}
	return s
}

func typeSchema(t reflect.Type, path string) map[string]any {
	if t == reflect.TypeFor[time.Duration]() {
		// Or a plain 0, which the controller's decoder reads as the
		// duration 0 (config/decode.go; the "off" of several keys), and
		// which --set can only give as a number. fa.checkConfig holds it
		// to the key's bounds as "0s". Other numbers have no unit: refused.
		return map[string]any{"anyOf": []any{
			map[string]any{"type": "string", "pattern": durationPattern},
			map[string]any{"const": 0},
		}}
	}
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			props[name] = schemaOf(f.Type, strings.TrimPrefix(path+"."+name, "."))
		}
		// null too: a section whose keys are all commented out ("scaler:"
		// with nothing under it) is null, which the controller's decoder
		// takes as changing nothing (config/decode.go, section).
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": false, "properties": props}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		return map[string]any{"type": "integer", "minimum": float64(0)}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), path)}
	}
	panic("schemaOf: no schema for " + t.String())
}

// canonicalJSON is how the schema file is written: sorted keys, two-space
// indent, no HTML escaping, trailing newline.
func canonicalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// TestSchemaConfigIsTheConfigType keeps values.schema.json's `config` equal
// to the controller's config.Config, so the chart accepts exactly the keys
// --config does (with -update it rewrites that part).
func TestSchemaConfigIsTheConfigType(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	props := schema["properties"].(map[string]any)
	want := schemaOf(reflect.TypeFor[config.Config](), "")
	want["description"] = "the controller's configuration file (--config), keys of config.Config; absent keys keep the defaults"
	if *update {
		props["config"] = want
		if err := os.WriteFile(filepath.Clean(schemaPath), canonicalJSON(schema), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Round-trip through JSON so numbers compare as float64 on both sides.
	var w any
	_ = json.Unmarshal(canonicalJSON(want), &w)
	if d := cmp.Diff(w, props["config"]); d != "" {
		t.Errorf("values.schema.json config differs from config.Config (run %s) (-want +got):\n%s", regen, d)
	}
	if got := canonicalJSON(schema); !bytes.Equal(got, raw) {
		t.Errorf("%s is not in canonical form (sorted keys, 2-space indent); run %s", schemaPath, regen)
	}
}

// durationPattern accepts exactly what time.ParseDuration does, over every
// string of up to four of the tokens durations are made of (a number too
// large for an int64 of nanoseconds aside: no such string is this short).
// The pattern it replaced refused ".5s", "1.m", "+5s" and "5μs".
// Seen failing before the fix (session 47): 590 strings disagreed, the first
// "000μs": "the pattern matches: false; time.ParseDuration accepts: true".
func TestDurationPatternIsGoGrammar(t *testing.T) {
	re := regexp.MustCompile(durationPattern)
	tokens := []string{"", "0", "1", "09", ".", "+", "-", "s", "m", "h", "ms", "ns", "us", "µs", "μs", "d", " "}
	var walk func(s string, n int)
	walk = func(s string, n int) {
		_, err := time.ParseDuration(s)
		if got, want := re.MatchString(s), err == nil; got != want {
			t.Errorf("%q: the pattern matches: %v; time.ParseDuration accepts: %v (%v)", s, got, want, err)
		}
		if n == 0 {
			return
		}
		for _, tok := range tokens[1:] {
			walk(s+tok, n-1)
		}
	}
	walk("", 4)
}
