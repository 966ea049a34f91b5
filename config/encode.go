package config

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Marshal renders c as a configuration file: every key, in declaration
// order, durations as Go duration strings (so that Parse reads back exactly
// c; yaml's own encoder would write a duration as a plain count of
// nanoseconds, which Parse refuses).
func Marshal(c Config) ([]byte, error) {
	root, err := encodeStruct(reflect.ValueOf(c), "")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("config: %v", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: %v", err)
	}
	return buf.Bytes(), nil
}

func encodeStruct(v reflect.Value, path string) (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	t := v.Type()
	for i := range t.NumField() {
		name := tagName(t.Field(i))
		if name == "" {
			continue
		}
		var val *yaml.Node
		var err error
		if f := v.Field(i); f.Kind() == reflect.Struct {
			val, err = encodeStruct(f, join(path, name))
		} else {
			val, err = encodeLeaf(f, join(path, name))
		}
		if err != nil {
			return nil, err
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, val)
	}
	return m, nil
}

func encodeLeaf(f reflect.Value, path string) (*yaml.Node, error) {
	scalar := func(tag, value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	}
	switch {
	case f.Type() == durationType:
		return scalar("!!str", formatDuration(time.Duration(f.Int()))), nil
	case f.Kind() == reflect.Bool:
		return scalar("!!bool", strconv.FormatBool(f.Bool())), nil
	case f.Kind() == reflect.String:
		return scalar("!!str", f.String()), nil
	case f.Kind() == reflect.Int:
		return scalar("!!int", strconv.FormatInt(f.Int(), 10)), nil
	case f.Kind() == reflect.Uint64:
		return scalar("!!int", strconv.FormatUint(f.Uint(), 10)), nil
	case f.Kind() == reflect.Float64:
		return scalar("!!float", formatFloat(f.Float())), nil
	}
	return nil, fmt.Errorf("config: %s: cannot encode a %s field", path, f.Type())
}

// formatFloat writes x so that YAML reads it back as the same float64.
func formatFloat(x float64) string {
	switch {
	case math.IsNaN(x):
		return ".nan"
	case math.IsInf(x, 1):
		return ".inf"
	case math.IsInf(x, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0" // keep it a float to the eye; 50 and 50.0 read the same
	}
	return s
}

// FormatDuration is how the configuration writes a duration (10m, not
// 10m0s), for messages that name a key's value.
func FormatDuration(d time.Duration) string { return formatDuration(d) }

// formatDuration writes d as a Go duration without zero tails: 1h rather
// than 1h0m0s, 2m rather than 2m0s. time.ParseDuration reads it back as d.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
