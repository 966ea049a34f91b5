package config

import (
	"strings"
	"testing"
)

// A number written with a leading zero ("max: 010") is refused with an
// error naming the key and its position, for every integer key and for
// the float keys (which take integers too). yaml.v3 reads 010 as YAML 1.1
// octal 8, a YAML 1.2 reader (and most operators) as 10: rather than pick a
// reading of an ambiguous count, the decoder asks for plain decimal. The
// explicit forms with one reading (0x10, 0o10, 0b10, 1_000; see
// TestParseAccepts), plain decimal, a sign, and floats with a point stay
// accepted.
//
// Seen failing before the fix (found by a review): decode_octal_test.go:43:
// "defaults:\n  max: 010\n" decoded as defaults.max: 8 without an error;
// want f.yaml:2:8: defaults.max: "010" has a leading zero: write the number
// in plain decimal without it (YAML 1.1 reads a leading 0 as octal, YAML 1.2
// as decimal)
func TestLeadingZeroNumberRefused(t *testing.T) {
	const leading = "has a leading zero: write the number in plain decimal without it (YAML 1.1 reads a leading 0 as octal, YAML 1.2 as decimal)"
	for _, tc := range []struct{ file, want string }{
		{"defaults:\n  max: 010\n", `f.yaml:2:8: defaults.max: "010" ` + leading},
		{"defaults:\n  min: 017\n", `f.yaml:2:8: defaults.min: "017" ` + leading},
		{"defaults:\n  factor: 020\n", `f.yaml:2:11: defaults.factor: "020" ` + leading},
		{"defaults:\n  scale_up_pods: 04\n", `f.yaml:2:18: defaults.scale_up_pods: "04" ` + leading},
		{"defaults:\n  max: 09\n", `f.yaml:2:8: defaults.max: "09" ` + leading}, // not octal: yaml.v3 made it the float 9
		{"defaults:\n  max: -010\n", `f.yaml:2:8: defaults.max: "-010" ` + leading},
		{"defaults:\n  max: 0_10\n", `f.yaml:2:8: defaults.max: "0_10" ` + leading},
		{"defaults:\n  max: !!int 010\n", `f.yaml:2:8: defaults.max: "010" ` + leading},
		{"defaults:\n  target: 010\n", `f.yaml:2:11: defaults.target: "010" ` + leading},
		{"scaler:\n  history_size: 050\n", `f.yaml:2:17: scaler.history_size: "050" ` + leading},
		{"actuator:\n  workers: 010\n", `f.yaml:2:12: actuator.workers: "010" ` + leading},
		{"server:\n  max_header_bytes: 065536\n", `f.yaml:2:21: server.max_header_bytes: "065536" ` + leading},
		{"defaults:\n  max: 010\n  min: 02\n", `f.yaml:2:8: defaults.max: "010" ` + leading + "\n" + `f.yaml:3:8: defaults.min: "02" ` + leading},
	} {
		c, err := Parse("f.yaml", []byte(tc.file))
		if err == nil {
			// The key is the want's, after the position.
			key, _, _ := strings.Cut(strings.SplitN(tc.want, ": ", 2)[1], ":")
			t.Errorf("%q decoded as %s: %v without an error; want %s", tc.file, key, fieldByPath(&c, key), tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Parse(%q) = %v\nwant %s", tc.file, err, tc.want)
		}
	}
	// Plain decimal (with a sign), zero, and floats are read as written.
	for file, check := range map[string]func(Config) bool{
		"defaults:\n  max: 10\n  min: 0\n":           func(c Config) bool { return c.Defaults.Max == 10 && c.Defaults.Min == 0 },
		"defaults:\n  max: +10\n":                    func(c Config) bool { return c.Defaults.Max == 10 },
		"defaults:\n  target: 050.5\n":               func(c Config) bool { return c.Defaults.Target == 50.5 },
		"defaults:\n  target_proportion: 0.9\n":      func(c Config) bool { return c.Defaults.TargetProportion == 0.9 },
		"defaults:\n  target: 0\n  tolerance: 0.0\n": func(c Config) bool { return c.Defaults.Target == 0 && c.Defaults.Tolerance == 0 },
		"defaults:\n  target: 1e3\n":                 func(c Config) bool { return c.Defaults.Target == 1000 },
		"scaler:\n  history_size: -0\n":              func(c Config) bool { return c.Scaler.HistorySize == 0 },
		"defaults:\n  max: 0x10\n  min: 0o3\n":       func(c Config) bool { return c.Defaults.Max == 16 && c.Defaults.Min == 3 },
		"defaults:\n  max: 0b11\n  min: 1_0\n":       func(c Config) bool { return c.Defaults.Max == 3 && c.Defaults.Min == 10 },
	} {
		c, err := Parse("f.yaml", []byte(file))
		if err != nil || !check(c) {
			t.Errorf("Parse(%q) = %+v, %v; want it read as written", file, c.Defaults, err)
		}
	}
	// A quoted count is still refused as text, with the existing message.
	if _, err := Parse("f.yaml", []byte("defaults:\n  max: \"010\"\n")); err == nil || !strings.Contains(err.Error(), `"010" is not a whole number`) {
		t.Errorf(`defaults.max: "010": Parse = %v, want "is not a whole number"`, err)
	}
}
