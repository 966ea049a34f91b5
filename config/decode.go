package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// decoder walks a YAML node tree against Config, collecting every problem
// (in document order) and the position of every leaf it set.
type decoder struct {
	name string
	errs []error
	pos  positions
}

// failAt records a problem at n's position; path may be empty.
func (d *decoder) failAt(n *yaml.Node, path, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if path != "" {
		msg = path + ": " + msg
	}
	d.errs = append(d.errs, fmt.Errorf("%s:%d:%d: %s", d.name, n.Line, n.Column, msg))
}

// section decodes a mapping node onto the struct v, whose fields carry yaml
// tags. A null section (a key whose body is all commented out) changes
// nothing.
func (d *decoder) section(n *yaml.Node, path string, v reflect.Value) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.failAt(n, "", "the document is %s: want a mapping of sections (%s)", describe(n), strings.Join(keysOf(v.Type()), ", "))
		} else {
			d.failAt(n, path, "%s is not a section: want a mapping of keys (%s)", describe(n), strings.Join(keysOf(v.Type()), ", "))
		}
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		key := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.failAt(k, path, "a key is %s: want a name (%s)", describe(k), strings.Join(keysOf(v.Type()), ", "))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.failAt(k, key, "duplicate key (first at %d:%d)", first.Line, first.Column)
			continue
		}
		seen[k.Value] = k
		f, ok := fieldByTag(v, k.Value)
		if !ok {
			level := "at the top level"
			if path != "" {
				level = "in " + path
			}
			d.failAt(k, key, "unknown key; valid keys %s: %s", level, strings.Join(keysOf(v.Type()), ", "))
			continue
		}
		if f.Kind() == reflect.Struct {
			d.section(val, key, f)
			continue
		}
		if d.leaf(resolve(val), key, f) {
			d.pos[key] = pos{val.Line, val.Column}
		}
	}
}

var durationType = reflect.TypeFor[time.Duration]()

// leadingZero is an integer written with a leading zero ("010", "09",
// "0_10"). yaml.v3 resolves integers the YAML 1.1 way, through strconv's
// base 0: "max: 010" decoded as octal 8, while a YAML 1.2 reader (and most
// operators, padding a number) reads 10; and "09", not octal, became the
// float 9. Rather than pick one reading of an ambiguous count (replicas,
// workers, pods), the decoder refuses a leading zero on every number key,
// naming the key and its line: the operator writes what is meant, and
// every YAML reader agrees on it. The explicit forms stay accepted, as
// TestParseAccepts holds (0x10, 0o10, 0b10, 1_000: one reading each in
// yaml.v3), and so do floats with a point or exponent (050.5, 0.9), which
// every reading takes as decimal.
var leadingZero = regexp.MustCompile(`^[-+]?0[0-9_]+$`)

// leadingZeroNumber reports whether n is a number scalar (tag !!int or
// !!float) written with a leading zero.
func leadingZeroNumber(n *yaml.Node, tag string) bool {
	return n.Kind == yaml.ScalarNode && (tag == "!!int" || tag == "!!float") && leadingZero.MatchString(n.Value)
}

// leaf decodes a scalar onto f, reporting a value of the wrong type. It
// reports whether f was set.
func (d *decoder) leaf(n *yaml.Node, path string, f reflect.Value) bool {
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode {
		tag = ""
	}
	switch f.Kind() {
	case reflect.Int, reflect.Uint64, reflect.Float64:
		if leadingZeroNumber(n, tag) {
			d.failAt(n, path, "%s has a leading zero: write the number in plain decimal without it (YAML 1.1 reads a leading 0 as octal, YAML 1.2 as decimal)", describe(n))
			return false
		}
	}
	switch {
	case f.Type() == durationType:
		if tag == "!!str" {
			if dur, err := time.ParseDuration(n.Value); err == nil {
				f.SetInt(int64(dur))
				return true
			}
		}
		if tag == "!!int" && n.Value == "0" {
			// A plain 0 is the Go duration "0" (the docs' "off" for several
			// keys, and what the old flags take): refused unquoted while
			// "0" loaded, the message called a valid duration invalid (a
			// review's finding). Other bare numbers stay refused: 30 has
			// no unit.
			f.SetInt(0)
			return true
		}
		d.failAt(n, path, "%s is not a duration: want a Go duration such as 5s", describe(n))
	case f.Kind() == reflect.Bool:
		if tag == "!!bool" {
			var b bool
			if n.Decode(&b) == nil {
				f.SetBool(b)
				return true
			}
		}
		d.failAt(n, path, "%s is not a bool: want true or false", describe(n))
	case f.Kind() == reflect.String:
		if tag == "!!str" {
			f.SetString(n.Value)
			return true
		}
		d.failAt(n, path, "%s is not a string: want text (quote it if it looks like another type)", describe(n))
	case f.Kind() == reflect.Int:
		var i int64
		if tag == "!!int" && n.Decode(&i) == nil {
			f.SetInt(i)
			return true
		}
		d.failAt(n, path, "%s is not a whole number", describe(n))
	case f.Kind() == reflect.Uint64:
		var i int64
		var u uint64
		switch {
		case tag == "!!int" && n.Decode(&i) == nil && i < 0:
			d.failAt(n, path, "%s is negative: want a whole number of at least 0", describe(n))
		case tag == "!!int" && n.Decode(&u) == nil:
			f.SetUint(u)
			return true
		default:
			d.failAt(n, path, "%s is not a whole number of at least 0", describe(n))
		}
	case f.Kind() == reflect.Float64:
		var x float64
		if (tag == "!!float" || tag == "!!int") && n.Decode(&x) == nil {
			f.SetFloat(x)
			return true
		}
		d.failAt(n, path, "%s is not a number", describe(n))
	default:
		// A field type this decoder does not know: a programming error that
		// the round-trip test catches; say so rather than panic.
		d.failAt(n, path, "cannot decode a %s field", f.Type())
	}
	return false
}

// resolve follows an alias to the node it names. Aliases cannot nest deeper
// than the configuration does, because leaves never descend.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names a node's value for a message: the scalar quoted, else its
// kind.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "an empty value"
		}
		return strconv.Quote(n.Value)
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "not a value"
	}
}

// fieldByTag finds the field of struct v whose yaml tag is name.
func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if tagName(t.Field(i)) == name && name != "" {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// tagName is a field's key: its yaml tag's name, or "" for a field without
// one, which the file can neither set nor show.
func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// keysOf lists the keys of a struct type, in declaration order.
func keysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if name := tagName(t.Field(i)); name != "" {
			keys = append(keys, name)
		}
	}
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
