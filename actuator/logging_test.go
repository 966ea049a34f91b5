package actuator

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// The log lines of a write and of a dry run are made only for a logger that
// keeps them (their arguments cost allocations per intent), and still made
// for one that does.
func TestWritesAreLoggedWhenTheLoggerKeepsInfo(t *testing.T) {
	for _, dry := range []bool{false, true} {
		var buf bytes.Buffer
		r := newRig(t, memory.Options{}, func(c *Config) {
			c.DryRun = dry
			c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}, map[provider.Ref]uint64{refA: 1})
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 3)); o.Code != CodeApplied && o.Code != CodeDryRun {
			t.Fatalf("dry run %v: %s (%s)", dry, o.Code, o.Reason)
		}
		want := "msg=scaled function=a.ns from=1 to=3"
		if dry {
			want = `msg="dry run: would scale" function=a.ns from=1 to=3`
		}
		if !strings.Contains(buf.String(), want) {
			t.Errorf("dry run %v: log %q, want a line with %q", dry, buf.String(), want)
		}
	}
}
