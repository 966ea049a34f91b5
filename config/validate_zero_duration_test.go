package config

import (
	"strings"
	"testing"
)

// defaults.zero_duration (and --default-zero-duration / the env
// inactivity_duration, which set it) under 1s is a start-up error naming
// the key: no metrics source reads activity over a shorter window, so no
// opted-in function without its own zero-duration label would ever be idled.
//
// Seen failing before the fix (found by a review):
// validate_zero_duration_test.go:32: "defaults:\n  zero_duration: 500ms\n":
// Validate = <nil>; want an error naming defaults.zero_duration (no source
// answers a window under 1s)
func TestZeroDurationUnderOneSecondRefused(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"defaults:\n  zero_duration: 500ms\n", "defaults.zero_duration: must be at least 1s (the metrics sources' shortest activity window), got 500ms"},
		{"defaults:\n  zero_duration: 1ns\n", "defaults.zero_duration: must be at least 1s (the metrics sources' shortest activity window), got 1ns"},
		{"defaults:\n  zero_duration: 1s\n", ""},
	} {
		c, err := Parse("f.yaml", []byte(tc.file))
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: Validate = %v, want nil", tc.file, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "defaults.zero_duration")):
			t.Errorf("%q: Validate = %v; want an error naming defaults.zero_duration (no source answers a window under 1s)", tc.file, err)
		case tc.want != "" && err.Error() != tc.want:
			t.Errorf("%q: Validate = %v, want %q", tc.file, err, tc.want)
		}
	}
	// The deprecated flag (and the environment variable bound to it) is
	// refused the same way, naming the flag.
	fs, d := newFlags()
	if err := fs.Parse([]string{"--default-zero-duration=500ms"}); err != nil {
		t.Fatal(err)
	}
	want := "flag --default-zero-duration: defaults.zero_duration: must be at least 1s (the metrics sources' shortest activity window), got 500ms"
	if _, err := LoadWith("", d); err == nil || err.Error() != want {
		t.Errorf("--default-zero-duration=500ms: LoadWith = %v, want %q", err, want)
	}
}
