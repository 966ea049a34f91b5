package keepalive

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestPreWarmedIsLoggedAtInfo: the pass asks the logger whether Info is
// enabled before it words the "pre-warmed" record (its arguments cost
// allocations a discarding handler throws away); a handler that takes Info
// still gets the record, with every attribute it had.
func TestPreWarmedIsLoggedAtInfo(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			prov, a, pol := hourlyTimer(autoLabels, start)
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
			w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov), Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window
			rep := w.RunOnce(context.Background(), time.Now())
			if len(rep.Scaled) != 1 {
				t.Fatalf("pass %+v, want one pre-warm", rep)
			}
			got := buf.String()
			if level > slog.LevelInfo {
				if strings.Contains(got, "pre-warmed") {
					t.Errorf("a handler above Info got %q", got)
				}
				return
			}
			pw := rep.Scaled[0]
			for _, want := range []string{`msg=pre-warmed`, "function=" + a.String(), "since_last=" + pw.Since.Round(time.Second).String(), "reason=" + `"` + pw.Reason + `"`} {
				if !strings.Contains(got, want) {
					t.Errorf("log %q lacks %q", got, want)
				}
			}
		})
	}
}
