package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// TestSimTimelineCreditsTheReplayedTrace: `sim --timeline-svg` draws a
// chart of the trace it replayed, and its footer credits that trace as the
// Pareto chart of the same run does (report.AttributionOf). It credited
// Shahrad et al.'s 2019 trace whatever was replayed: a 2021 trace (Zhang et
// al., SOSP 2021) or a synthetic one. Found by a review helper.
func TestSimTimelineCreditsTheReplayedTrace(t *testing.T) {
	trace2021 := filepath.Join("..", "..", "..", "shared", "traces", "azure2021-invitro-200inv")
	for _, tc := range []struct{ name, trace, credit string }{
		{"azure 2021", trace2021, "Zhang et al."},
		{"synthetic", "synth:timers", "synthetic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.HasPrefix(tc.trace, "synth:") {
				testenv.NeedPath(t, tc.trace, "the shared traces live in ../shared/traces beside the repository")
			}
			dir := t.TempDir()
			pareto, timeline := filepath.Join(dir, "pareto.svg"), filepath.Join(dir, "timeline.svg")
			args := []string{"--trace", tc.trace, "--minutes", "20", "--policies", "fixed-10m", "--progress", "never",
				"--svg", pareto, "--timeline-function", "0", "--timeline-svg", timeline}
			var out, errb bytes.Buffer
			if code := simCmd(args, &out, &errb); code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
			}
			foot := func(path string) string {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				s := string(b) // the last <text>'s words, not its position
				s = s[strings.LastIndex(s, "<text"):]
				s = s[strings.Index(s, ">")+1:]
				return s[:strings.Index(s, "</text>")]
			}
			p, tl := foot(pareto), foot(timeline)
			if p != tl || !strings.Contains(tl, tc.credit) {
				t.Errorf("the timeline's footer does not credit the replayed trace (%s):\n timeline: %s pareto:   %s", tc.credit, tl, p)
			}
		})
	}
}
