package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// leaf is one leaf field of Config, found by reflection over every exported
// field whether or not it has a yaml tag, so that a field the codec cannot
// see (no tag, unsupported type) still shows up here and fails the tests.
type leaf struct {
	path  string // key path; a field without a yaml tag shows its Go name
	index []int
}

func leaves(t reflect.Type, prefix string, index []int) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := tagName(f)
		if name == "" {
			name = f.Name
		}
		idx := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			out = append(out, leaves(f.Type, join(prefix, name), idx)...)
			continue
		}
		out = append(out, leaf{join(prefix, name), idx})
	}
	return out
}

func allLeaves() []leaf { return leaves(reflect.TypeFor[Config](), "", nil) }

// validStrings are non-default valid values of the string keys.
var validStrings = map[string]string{
	"defaults.type":                "cpu",
	"idler.schedule":               "*/5 * * * *",
	"prometheus.coverage_selector": `up{job="gateway", instance!~"10\\..*"}`,
}

// changed sets the leaf of c to a value other than its current one that is
// still valid when every other key is at its default, and returns the value
// as a flag would spell it. Floats get a non-terminating tail so that a
// lossy float format fails the round trip.
func changed(t *testing.T, c *Config, l leaf) string {
	t.Helper()
	v := reflect.ValueOf(c).Elem().FieldByIndex(l.index)
	switch {
	case v.Type() == durationType:
		d := time.Duration(v.Int())*2 + 1500*time.Millisecond
		if l.path == "server.retry_after" { // whole seconds
			d = d.Round(time.Second)
		}
		v.SetInt(int64(d))
		return d.String()
	case v.Kind() == reflect.Bool:
		v.SetBool(!v.Bool())
		return strconv.FormatBool(v.Bool())
	case v.Kind() == reflect.String:
		s, ok := validStrings[l.path]
		if !ok {
			s = v.String() + "_changed"
		}
		v.SetString(s)
		return s
	case v.Kind() == reflect.Int:
		v.SetInt(v.Int() + 3)
		return strconv.FormatInt(v.Int(), 10)
	case v.Kind() == reflect.Uint64:
		v.SetUint(v.Uint() + 1)
		return strconv.FormatUint(v.Uint(), 10)
	case v.Kind() == reflect.Float64:
		v.SetFloat(v.Float()/2 + 1e-10/3)
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	t.Fatalf("%s: no test value for a %s field", l.path, v.Type())
	return ""
}

func TestEveryKeyRoundTrips(t *testing.T) {
	ls := allLeaves()
	if len(ls) < 36 {
		t.Fatalf("found %d leaves, want at least the 36 of today", len(ls))
	}
	all := Default()
	for _, l := range ls {
		t.Run(l.path, func(t *testing.T) {
			c := Default()
			changed(t, &c, l)
			changed(t, &all, l)
			data, err := Marshal(c)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			got, err := Parse("rt.yaml", data)
			if err != nil {
				t.Fatalf("Parse(Marshal(c)): %v\n%s", err, data)
			}
			if diff := cmp.Diff(c, got); diff != "" {
				t.Errorf("Parse(Marshal(c)) differs (-want +got):\n%s\nfile:\n%s", diff, data)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("the test value is not valid (fix changed): %v", err)
			}
		})
	}
	data, err := Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse("rt.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("all keys changed at once: (-want +got):\n%s", diff)
	}
}

// A duration is written as a Go duration (not as nanoseconds, which Parse
// refuses), without zero tails.
func TestMarshalWritesDurationsAsStrings(t *testing.T) {
	data, err := Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  interval: 5s\n", "  zero_duration: 15m\n", "  rebuild_lookback: 24h\n", "  target: 50.0\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("Marshal(Default()) lacks %q:\n%s", want, data)
		}
	}
	for d, want := range map[time.Duration]string{
		time.Hour: "1h", 90 * time.Second: "1m30s", time.Hour + time.Second: "1h0m1s",
		500 * time.Millisecond: "500ms", 0: "0s", 10 * time.Minute: "10m", -2 * time.Minute: "-2m",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(formatDuration(d)); err != nil || back != d {
			t.Errorf("ParseDuration(formatDuration(%v)) = %v, %v", d, back, err)
		}
	}
}

func ExampleMarshal() {
	c := Default()
	c.Scaler.Interval = 2 * time.Second
	data, _ := Marshal(c)
	fmt.Println(strings.SplitN(string(data), "\n", 4)[2])
	// Output: interval: 2s
}
