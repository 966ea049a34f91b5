package config

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParse: Parse never panics; a Config it returns validates or yields an
// error, never a panic; and it survives Marshal then Parse unchanged.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(exampleFile); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"", "---\n", "scaler:\n  interval: 5\n", "scaler: {interval: 1s, interval: 2s}\n",
		"defaults:\n  min: -1\n  max: 0x10\n  target: .nan\n",
		"a: &x {b: *x}\n", "keep_alive:\n  prewarm_share: 0\n---\nx: 1\n",
		"prometheus:\n  coverage_selector: '{job=~\".*\"}'\n", "idler:\n  schedule: '*/5 * * * *'\n",
		"defaults: &d\n  min: 2\nscaler: *d\n", "<<: {scaler: {}}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			if diff := cmp.Diff(Default(), c, cmpopts.EquateNaNs()); diff != "" {
				t.Fatalf("a refused file returned a non-default Config:\n%s", diff)
			}
			return
		}
		_ = c.Validate()
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("marshal.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(c)): %v\n%s", err, out)
		}
		if diff := cmp.Diff(c, back, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("Parse(Marshal(c)) differs:\n%s", diff)
		}
	})
}
