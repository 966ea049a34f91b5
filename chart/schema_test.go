package chart

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

const schemaPath = chartDir + "/values.schema.json"

// durationPattern is what Go's time.ParseDuration accepts, as the controller's
// YAML decoder reads durations ("90s", "1m30s", "500ms").
const durationPattern = `^-?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$`

// schemaOf is the JSON schema of a config type: objects with exactly the
// fields' yaml names (additionalProperties false, so a typo in `config:`
// fails at `helm install`, not at the controller's start), durations as
// strings, unsigned integers with minimum 0.
func schemaOf(t reflect.Type) map[string]any {
	if t == reflect.TypeFor[time.Duration]() {
		return map[string]any{"type": "string", "pattern": durationPattern}
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
			props[name] = schemaOf(f.Type)
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
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
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
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
	want := schemaOf(reflect.TypeFor[config.Config]())
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
