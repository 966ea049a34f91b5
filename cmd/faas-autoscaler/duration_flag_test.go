package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// TestBareNumberDurationFlagSaysWhatIsMissing: a duration flag or variable
// given as a bare number (`--duration 5`, `scale_interval=5` as in a YAML
// or another tool's variables) is refused naming the flag or variable and
// saying a unit is missing. The flag package's own error said only "parse
// error". Seen failing before: `invalid value "5" for flag -duration:
// parse error` and `environment variable scale_interval="5" (for
// --interval): parse error`.
func TestBareNumberDurationFlagSaysWhatIsMissing(t *testing.T) {
	const want = `missing unit in duration "5": want a duration such as 5s, 1m30s or 2h`
	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		prefix string
	}{
		{"flag", []string{"--duration", "5"}, nil, `invalid value "5" for flag -duration: `},
		{"deprecated flag", []string{"--interval=5"}, nil, `invalid value "5" for flag -interval: `},
		{"variable", nil, map[string]string{"scale_interval": "5"}, `environment variable scale_interval="5" (for --interval): `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c runConfig
			e := defineRunFlags(&c)
			e.fs.SetOutput(io.Discard)
			err := e.parse(tc.args, func(k string) string { return tc.env[k] })
			if err == nil || err.Error() != tc.prefix+want {
				t.Errorf("parse: %v\nwant: %s%s", err, tc.prefix, want)
			}
		})
	}
	// Good values still parse, on the command line and from a variable.
	var c runConfig
	e := defineRunFlags(&c)
	env := map[string]string{"scale_interval": "3s"}
	if err := e.parse([]string{"--duration", "1m30s"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	tuning, _, err := c.loadTuning(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	if c.Duration != 90*time.Second || tuning.Scaler.Interval != 3*time.Second {
		t.Errorf("duration %s, interval %s; want 1m30s and 3s", c.Duration, tuning.Scaler.Interval)
	}
	// The usage still shows the type and the defaults, with no error from
	// the wrapper.
	var usage strings.Builder
	e.fs.SetOutput(&usage)
	e.fs.PrintDefaults()
	if strings.Contains(usage.String(), "panic") || !strings.Contains(usage.String(), "(default 5s)") ||
		!strings.Contains(usage.String(), "-interval duration\n") {
		t.Errorf("usage of the duration flags:\n%s", usage.String())
	}
}
