package config

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Parse decodes a configuration file strictly over Default(): a key that is
// absent keeps its default, a key that is present always wins (an explicit 0
// stays 0). name is only used in messages.
//
// Every problem in the file is reported, in file order, each as
// "name:line:col: key.path: message": unknown keys (with the valid keys at
// that level), duplicate keys, values of the wrong type (a string for a bool,
// a mapping for a scalar, a negative number for a count, a plain number for a
// duration), more than one YAML document. An empty file, or one of only
// comments, is Default(). Parse does not validate ranges; see Validate and
// Load.
func Parse(name string, data []byte) (Config, error) {
	c, _, err := parse(Default(), name, data)
	return c, err
}

// pos is where a key's value sits in a file.
type pos struct{ line, col int }

// positions maps a leaf key's path (e.g. "scaler.interval") to where its
// value was written, so that Validate's messages about values that came from
// a file can point at them.
type positions map[string]pos

// parse is Parse over base, keeping each present leaf key's position.
func parse(base Config, name string, data []byte) (Config, positions, error) {
	c := base
	d := &decoder{name: name, pos: positions{}}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, d.pos, nil // empty, or only comments
		}
		return base, nil, syntaxError(name, err)
	}
	if len(doc.Content) == 1 {
		d.section(doc.Content[0], "", reflect.ValueOf(&c).Elem())
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.failAt(&extra, "", "a second YAML document: want exactly one")
	case !errors.Is(err, io.EOF):
		d.errs = append(d.errs, syntaxError(name, err))
	}
	if len(d.errs) > 0 {
		return base, nil, errors.Join(d.errs...)
	}
	return c, d.pos, nil
}

// syntaxError names the file in a YAML syntax error. yaml's own "line N"
// is kept as it is rather than turned into name:N: it is the line where the
// broken construct began, and for some errors it is off by one.
func syntaxError(name string, err error) error {
	return fmt.Errorf("%s: YAML syntax: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
}

// Load reads the file at path, parses it strictly over Default() and
// validates the result. Every problem is reported, each naming
// path:line:col and the key; a value that decodes but is out of range is
// reported at the position of the key that holds it (a default that is
// invalid only in combination with the file, such as defaults.min above a
// defaults.max left at its default, is reported without a position).
func Load(path string) (Config, error) { return LoadWith(path, nil) }

// LoadWith is Load followed by the deprecated flags: the file is parsed,
// then every deprecated flag that was set overrides its key (a flag beats
// the file), then the result is validated once, so an error names where the
// bad value came from: path:line:col for a key from the file, the flag for
// a value from a flag. path "" means no file: Default() with the flags. d
// may be nil.
//
// This is what both the start and a SIGHUP reload call: on error the caller
// keeps the configuration it has.
func LoadWith(path string, d *Deprecated) (Config, error) { return LoadOver(Default(), path, d) }

// LoadOver is LoadWith over another base than Default(): the embedded
// default's demo timings, or OpenFaaS CE's scaling defaults. On error it
// returns base.
func LoadOver(base Config, path string, d *Deprecated) (Config, error) {
	c, _, err := LoadOverNoting(base, path, d)
	return c, err
}

// Override is a key the file sets whose value is not in force because a
// deprecated flag (or its environment variable) that was given overrides it.
type Override struct {
	Key  string // the key path, such as defaults.target
	Flag string // the flag's name, without dashes
	At   string // where the file sets it: path:line:col
}

// LoadOverNoting is LoadOver that also returns, in key order, the keys the
// file sets that a deprecated flag overrides. A flag beating the file is
// the documented order, but a silent one: an operator who edits such a key
// and reloads sees "reloaded" while the flag's value stays; the caller
// names these keys at start and on every reload.
func LoadOverNoting(base Config, path string, d *Deprecated) (Config, []Override, error) {
	c, pos := base, positions{}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return base, nil, fmt.Errorf("config: %v", err)
		}
		c, pos, err = parse(base, path, data)
		if err != nil {
			return base, nil, err
		}
	}
	fromFlag := d.apply(&c)
	_, lagSet := pos["scaler.align_lag"]
	if !lagSet && c.Scaler.AlignLag >= c.Scaler.Interval {
		// align_lag came later than scaler.interval and its default (500ms)
		// is not below every interval the key allows (100ms): a file or
		// --interval that ran before it existed must not be refused for a
		// key it never set. A pass that often reads data at most an
		// interval old, so it runs on its own ticker.
		c.Scaler.AlignLag = 0
	}
	var overrides []Override
	for _, key := range slices.Sorted(maps.Keys(fromFlag)) {
		if p, ok := pos[key]; ok {
			overrides = append(overrides, Override{Key: key, Flag: fromFlag[key], At: fmt.Sprintf("%s:%d:%d", path, p.line, p.col)})
		}
	}
	origin := func(key string) string {
		if f, ok := fromFlag[key]; ok {
			return d.source(f)
		}
		if p, ok := pos[key]; ok {
			return fmt.Sprintf("%s:%d:%d", path, p.line, p.col)
		}
		return ""
	}
	if err := render(c.problems(), origin); err != nil {
		return base, nil, err
	}
	return c, overrides, nil
}
