package config

import (
	"strings"
	"testing"
)

// defaults.scale_up_rate 1 with defaults.scale_up_pods 0 limits every
// evaluation's scale-up to max(current × 1, current + 0) = current: no
// function ever scales up outside burst mode, and a load just under the
// burst threshold (1.9× capacity at the default 2.0) holds it at its
// current size for good, each pass saying "rate limited". Each value alone
// is valid (and documented: rate "at least 1"); together they disable
// scaling up, so the pair is refused, at the pods key's position.
//
// Seen failing before the fix:
// validate_scaleup_test.go:33: rate 1, pods 0: Load = <nil>; want an error
// naming defaults.scale_up_pods at .../config.yaml:3:18
func TestScaleUpRateOneWithNoPodsRefused(t *testing.T) {
	path := writeFile(t, "defaults:\n  scale_up_rate: 1\n  scale_up_pods: 0\n")
	_, err := Load(path)
	want := path + ":3:18: defaults.scale_up_pods: must be at least 1 while defaults.scale_up_rate is 1 " +
		"(one evaluation scales up to at most max(current × 1, current + 0): no scale-up at all outside bursts), got 0"
	if err == nil || err.Error() != want {
		t.Errorf("rate 1, pods 0: Load = %v; want an error naming defaults.scale_up_pods at %s:3:18:\n%s", err, path, want)
	}
	// The scaler's own check agrees (the controller validates its defaults
	// again on every reload).
	c := Default()
	c.Defaults.ScaleUpRate, c.Defaults.ScaleUpPods = 1, 0
	if err := c.Defaults.Scaler().Validate(); err == nil || !strings.Contains(err.Error(), "scale up pods") {
		t.Errorf("rate 1, pods 0: scaler.Defaults.Validate = %v; want an error naming the scale up pods", err)
	}
	// The deprecated flags are refused the same way, naming the flag.
	fs, d := newFlags()
	if err := fs.Parse([]string{"--scale-up-rate=1", "--scale-up-pods=0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWith("", d); err == nil || !strings.HasPrefix(err.Error(), "flag --scale-up-pods: defaults.scale_up_pods: ") {
		t.Errorf("--scale-up-rate=1 --scale-up-pods=0: LoadWith = %v; want an error naming flag --scale-up-pods", err)
	}
	// Either alone still allows scaling up, and stays valid.
	for _, file := range []string{
		"defaults:\n  scale_up_rate: 1\n",                       // pods 4
		"defaults:\n  scale_up_pods: 0\n",                       // rate 2
		"defaults:\n  scale_up_rate: 1.5\n  scale_up_pods: 0\n", // ⌈current × 1.5⌉ > current
		"defaults:\n  scale_up_rate: 1\n  scale_up_pods: 1\n",
	} {
		if _, err := Load(writeFile(t, file)); err != nil {
			t.Errorf("%q: Load = %v, want nil", file, err)
		}
	}
}
