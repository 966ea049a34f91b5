package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/sim/ours"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
)

const simTestTrace = "../../sim/testdata/small"

func TestSimBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no trace", []string{}, "sim: --trace is required (a folder with invocations.csv or inv.csv, or synth:NAME)"},
		{"unknown synthetic trace", []string{"--trace", "synth:sawtooth"}, `sim: --trace: "synth:sawtooth": unknown synthetic trace "sawtooth"`},
		{"negative from-minute", []string{"--trace", simTestTrace, "--from-minute", "-5"}, "sim: --from-minute -5: want a minute of the trace, from 0"},
		{"unknown policy", []string{"--trace", simTestTrace, "--policies", "fixed-10m,magic"}, `sim: --policies: unknown policy "magic"`},
		{"bad arrivals", []string{"--trace", simTestTrace, "--arrivals", "poisson"}, `sim: --arrivals: arrival model "poisson": want uniform, even or burst`},
		{"bad concurrency", []string{"--trace", simTestTrace, "--concurrency", "0"}, "sim: --concurrency 0: want at least 1 request per replica"},
		{"timeline without function", []string{"--trace", simTestTrace, "--timeline-svg", "x.svg"}, "sim: --timeline-svg and --timeline-function go together"},
		{"bad progress", []string{"--trace", simTestTrace, "--progress", "maybe"}, `sim: --progress "maybe": want auto, always or never`},
		{"missing config", []string{"--trace", simTestTrace, "--config", "testdata/no-such-config.yaml"}, "sim: --config: "},
		{"extra argument", []string{"--trace", simTestTrace, "now"}, `sim: unexpected argument "now"`},
		{"scrape too short", []string{"--trace", simTestTrace, "--scrape", "50ms"}, "sim: --scrape 50ms: want a duration from 100ms to 5m0s"},
		{"scrape too long", []string{"--trace", simTestTrace, "--scrape", "6m"}, "sim: --scrape 6m0s: want a duration from 100ms to 5m0s"},
		{"phase not below the scrape", []string{"--trace", simTestTrace, "--scrape", "2s", "--scrape-phase", "2s"}, `sim: --scrape-phase "2s": want half or a duration from 0 to below --scrape (2s)`},
		{"negative sample", []string{"--trace", simTestTrace, "--sample", "-1"}, "sim: --sample -1: want a number of functions, or 0 for all"},
		{"phase not a duration", []string{"--trace", simTestTrace, "--scrape-phase", "middle"}, `sim: --scrape-phase "middle": want half`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SIM_TRACE", "")
			var out, errb bytes.Buffer
			if code := simCmd(tc.args, &out, &errb); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.HasPrefix(errb.String(), tc.want) {
				t.Errorf("stderr %q, want prefix %q", errb.String(), tc.want)
			}
		})
	}
}

func TestSimBadTrace(t *testing.T) {
	var out, errb bytes.Buffer
	if code := simCmd([]string{"--trace", "../../sim/trace/testdata/bad"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "no invocations file") {
		t.Errorf("stderr %q does not say what is missing", errb.String())
	}
}

func TestSimWritesEveryOutput(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	args := []string{"--trace", simTestTrace, "--policies", "fixed-10m,fixed-20m,hybrid-histogram,faas-autoscaler,keda",
		"--csv", p("s.csv"), "--functions-csv", p("f.csv"), "--json", p("s.json"), "--svg", p("pareto.svg"),
		"--timeline-function", "bursty", "--timeline-svg", p("timeline.svg"), "--progress", "always"}
	var out, errb bytes.Buffer
	if code := simCmd(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	for _, want := range []string{report.Attribution, "fixed-10m", "hybrid-histogram", "faas-autoscaler", "p75 fn cold ratio"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errb.String(), "100%") {
		t.Errorf("progress bar never reached 100%%: %q", errb.String())
	}
	for _, f := range []string{"pareto.svg", "timeline.svg"} {
		b, err := os.ReadFile(p(f))
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(b, new(struct{})); err != nil {
			t.Errorf("%s is not well-formed XML: %v", f, err)
		}
		if !bytes.Contains(b, []byte("Shahrad")) {
			t.Errorf("%s lacks the attribution", f)
		}
	}
	csv, _ := os.ReadFile(p("s.csv"))
	if n := strings.Count(string(csv), "\n"); n != 6 {
		t.Errorf("summary CSV has %d lines, want header + 5 policies", n)
	}
	// The JSON merges back with --include.
	var out2, errb2 bytes.Buffer
	if code := simCmd([]string{"--trace", simTestTrace, "--policies", "fixed-10m", "--include", p("s.json")}, &out2, &errb2); code != 0 {
		t.Fatalf("--include: exit %d; %s", code, errb2.String())
	}
	if !strings.Contains(out2.String(), "faas-autoscaler") {
		t.Errorf("--include did not merge the results:\n%s", out2.String())
	}
}

// TestSimConfigReachesTheController: --config is the controller's
// configuration file; with the idler off no function is ever scaled to
// zero, so the replay must differ from the shipped configuration's.
func TestSimConfigReachesTheController(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("idler:\n  enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	table := func(extra ...string) string {
		var out, errb bytes.Buffer
		args := append([]string{"--trace", simTestTrace, "--policies", "faas-autoscaler", "--progress", "never"}, extra...)
		if code := simCmd(args, &out, &errb); code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
		}
		_, tbl, _ := strings.Cut(out.String(), "\n\n") // drop the header with the replay's wall time
		return tbl
	}
	shipped, noIdler := table(), table("--config", cfg)
	if shipped == noIdler {
		t.Errorf("idler.enabled: false changed nothing:\n%s", shipped)
	}
}

// TestSimScrapeReachesTheController checks that --scrape is the interval
// faas-autoscaler's source reads the simulated gateway at, and only its:
// the peers' rows stay as they are, ours moves, and the JSON says which.
func TestSimScrapeReachesTheController(t *testing.T) {
	o, err := parseSimFlags([]string{"--trace", simTestTrace, "--scrape", "1s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := o.policyList()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range ps {
		if op, ok := p.(ours.Policy); ok {
			found = true
			if op.Scrape != time.Second || op.ScrapePhase != ours.HalfInterval {
				t.Errorf("faas-autoscaler scrapes every %s at phase %s, want 1s at half the interval", op.Scrape, op.ScrapePhase)
			}
		}
	}
	if !found {
		t.Fatal("no faas-autoscaler policy in the default list")
	}
	if o, _ := parseSimFlags([]string{"--trace", simTestTrace}, io.Discard); o.scrape != embedded.DefaultInterval {
		t.Errorf("default scrape %s, want the embedded source's %s", o.scrape, embedded.DefaultInterval)
	}

	rows := func(scrape string) (map[string]string, map[string]any) {
		dir := t.TempDir()
		var out, errb bytes.Buffer
		args := []string{"--trace", "synth:bursty@2", "--minutes", "120", "--policies", "fixed-10m,faas-autoscaler",
			"--scrape", scrape, "--json", filepath.Join(dir, "s.json"), "--progress", "never"}
		if code := simCmd(args, &out, &errb); code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
		}
		got := map[string]string{}
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) > 1 && (f[0] == "fixed-10m" || f[0] == "faas-autoscaler") {
				got[f[0]] = strings.Join(f[1:], " ")
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "s.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Config map[string]any `json:"config"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return got, doc.Config
	}
	slow, slowCfg := rows("5s")
	fast, fastCfg := rows("1s")
	if slow["fixed-10m"] == "" || slow["fixed-10m"] != fast["fixed-10m"] {
		t.Errorf("fixed-10m moved with faas-autoscaler's scrape: %q vs %q", slow["fixed-10m"], fast["fixed-10m"])
	}
	if slow["faas-autoscaler"] == "" || slow["faas-autoscaler"] == fast["faas-autoscaler"] {
		t.Errorf("faas-autoscaler did the same at a 5s and a 1s scrape: %q", slow["faas-autoscaler"])
	}
	if slowCfg["scrape"] != "5s" || fastCfg["scrape"] != "1s" || slowCfg["scrape_phase"] != "half" {
		t.Errorf("JSON config scrape = %v and %v at phase %v, want 5s and 1s at half", slowCfg["scrape"], fastCfg["scrape"], slowCfg["scrape_phase"])
	}
	if o, err := parseSimFlags([]string{"--trace", simTestTrace, "--scrape-phase", "0s"}, io.Discard); err != nil || o.scrapePhase != 0 {
		t.Errorf("--scrape-phase 0s: phase %s, err %v", o.scrapePhase, err)
	}
}

// TestSimSampleReplaysThatManyFunctions: --sample N replays N of the
// trace's functions and says so; the same seed draws the same ones.
func TestSimSampleReplaysThatManyFunctions(t *testing.T) {
	run := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := simCmd(append([]string{"--trace", simTestTrace, "--policies", "fixed-10m", "--progress", "never"}, args...), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d; %s", args, code, errb.String())
		}
		line := strings.Split(out.String(), "\n")[1] // after the attribution
		return line[:strings.Index(line, "; replayed in")]
	}
	all, a, b := run(), run("--sample", "2"), run("--sample", "2", "--sample-seed", "1")
	if !strings.Contains(all, "; 4 functions") {
		t.Fatalf("whole trace: %q, want its 4 functions", all)
	}
	if !strings.Contains(a, "small (sample of 2 of 4 functions, seed 1); 2 functions") {
		t.Errorf("--sample 2: %q, want 2 of the 4 functions, said", a)
	}
	if a != b {
		t.Errorf("the default seed is 1, but %q != %q", a, b)
	}
}
