package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// TestDeprecatedNumberFlagRefusesALeadingZero: as the file does, the old
// whole-number flags refuse a leading zero, naming the flag, and read every
// other spelling as before (decimal, 0x, a sign). Seen failing before the fix:
// --default-max=010 set defaults.max to 8 without an error (flag.Uint64Var
// reads base 0, as YAML 1.1 did).
func TestDeprecatedNumberFlagRefusesALeadingZero(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		key     string
		want    any
		wantErr string
	}{
		{[]string{"--default-max=010"}, "defaults.max", nil, "invalid value \"010\" for flag -default-max: a leading zero"},
		{[]string{"--idle-scale-concurrency=08"}, "", nil, "invalid value \"08\" for flag -idle-scale-concurrency: a leading zero"},
		{[]string{"--idle-scale-concurrency=12"}, "actuator.workers", 12, ""},
		{[]string{"--default-max=10"}, "defaults.max", uint64(10), ""},
		{[]string{"--default-max=0x10"}, "defaults.max", uint64(16), ""},
		{[]string{"--default-max=0"}, "defaults.max", uint64(0), ""},
		{[]string{"--default-max=-1"}, "", nil, "invalid value \"-1\" for flag -default-max: not a whole number"},
	} {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		d := BindDeprecated(fs, nil)
		err := fs.Parse(tc.args)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		c := Default()
		d.apply(&c)
		if got := fieldByPath(&c, tc.key).Interface(); got != tc.want {
			t.Errorf("%v: %s = %v, want %v", tc.args, tc.key, got, tc.want)
		}
	}
}
