package keepalive

import "testing"

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, ""},
		{"margin", Config{Margin: 1.5}, "keepalive: margin = 1.5, must be in [0, 1)"},
		{"share", Config{PreWarmShare: 2}, "keepalive: pre-warm share = 2, must be in [0, 1]"},
		{"history", Config{History: 3, MinSamples: 5}, "keepalive: history = 3 and min samples = 5: want 1 ≤ min samples ≤ history, 2 ≤ history ≤ 65536"},
		{"long history", Config{History: 1<<16 + 1}, "keepalive: history = 65537 and min samples = 10: want 1 ≤ min samples ≤ history, 2 ≤ history ≤ 65536"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("Validate() = %q, want %q", got, tc.want)
			}
		})
	}
}
