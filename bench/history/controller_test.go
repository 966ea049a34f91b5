package history

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestControllerOnADay starts the shipped controller, as a restart does,
// on a Prometheus holding a day of HISTORY_FUNCTIONS functions (10,000 by
// default), with the memory provider holding the same functions and its
// defaults otherwise, and samples its resident set every second while it
// rebuilds the keep-alive within keep_alive.rebuild_timeout and fills the
// older history beside its loops: the footprint bench (bench/footprint)
// restarts it on minutes of history, never on a day. It logs the
// high-water mark at the rebuild's end, at the fill's end and after
// HISTORY_SETTLE (1m, at least) more, and the mean of that last minute (the runtime
// gives the rebuild's and the fill's heap back to the kernel over
// minutes). HISTORY_HEAP_PROFILE names a file for the controller's heap
// profile at the end. HISTORY_GOMEMLIMIT and HISTORY_GOGC are the
// controller's GOMEMLIMIT and GOGC (none by default: as the chart runs it
// at 10,000 functions, where its 0.9 of a 256 MiB limit never binds).
// HISTORY_PROVIDER=openfaas puts the footprint bench's set-up on top of
// the day: the controller lists the functions from a simulated gateway
// (idle) through the OpenFaaS provider, and Prometheus scrapes that gateway
// and the controller every 5 s from its start.
func TestControllerOnADay(t *testing.T) {
	if os.Getenv("FAAS_HISTORY_BENCH") == "" {
		t.Skip("set FAAS_HISTORY_BENCH=1 (make bench-history-controller) to run the controller on a day of history")
	}
	n := envInt(t, "HISTORY_FUNCTIONS", 10_000)
	settle, err := settleSetting(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	openfaas := false
	switch p := os.Getenv("HISTORY_PROVIDER"); p {
	case "", "memory":
	case "openfaas":
		openfaas = true
	default:
		t.Fatalf("HISTORY_PROVIDER=%q: want memory or openfaas", p)
	}
	bin := buildShipped(t)
	var list strings.Builder
	for i := range n {
		list.WriteString(strings.TrimSuffix(name(i), ".openfaas-fn") + "\n")
	}
	fnFile := filepath.Join(t.TempDir(), "functions")
	if err := os.WriteFile(fnFile, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	debugAddr, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	var live []teststack.Target
	var gwAddr string
	if openfaas {
		if gwAddr, err = teststack.FreeAddr(); err != nil {
			t.Fatal(err)
		}
		live = []teststack.Target{{Job: "gateway-live", URL: gwAddr}, {Job: "faas-autoscaler", URL: addr}}
	}
	prom, d := dayOnPrometheus(t, n, 24*time.Hour, live...)
	args := []string{"run", "--listen", addr, "--debug-listen", debugAddr, "--log-level", "info", "--webhook-auth", "none",
		"--prometheus-url", prom.URL()}
	if openfaas {
		// The footprint bench's set-up on top of the day: the simulated
		// gateway lists the same functions, idle, and Prometheus
		// scrapes it and the controller every 5 s.
		gw := exec.CommandContext(t.Context(), bin, "gateway", "--listen", gwAddr, "--functions-file", fnFile)
		gw.Stdout, gw.Stderr = os.Stderr, os.Stderr
		if err := gw.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = gw.Process.Kill(); _ = gw.Wait() }()
		if err := teststack.WaitOK("http://"+gwAddr+"/metrics", 2*time.Minute, t.Context().Done()); err != nil {
			t.Fatalf("gateway: %v", err)
		}
		args = append(args, "--gateway-url", "http://"+gwAddr, "--basic-auth=false")
	} else {
		args = append(args, "--provider", "memory", "--functions-file", fnFile)
	}
	ctl := exec.CommandContext(t.Context(), bin, args...)
	ctl.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for _, v := range []string{"GOMEMLIMIT", "GOGC"} {
		if x := os.Getenv("HISTORY_" + v); x != "" {
			ctl.Env = append(ctl.Env, v+"="+x)
		}
	}
	var logs teststack.SyncBuffer
	ctl.Stdout, ctl.Stderr = &logs, &logs
	promCPU0, promCPUKnown := cpuOf(prom.URL() + "/metrics")
	began := time.Now()
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ctl.Process.Kill(); _ = ctl.Wait() }()
	t.Logf("controller started %s after the day's end", began.Sub(d.to).Round(time.Second))

	// The phases, by the lines the controller logs at their ends (a
	// rebuild that fails is the harness's failure: it times out).
	phases := []struct{ name, line string }{
		{"rebuild", `msg="keep-alive: relearned idle times from Prometheus history"`},
		{"fill", `msg="keep-alive: relearned the older history too"`},
	}
	const fillWarn = `msg="keep-alive: the older history was not all relearned`
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var peak uint64
	var after []uint64 // the samples after the fill
	phase, settleFrom := 0, time.Time{}
	deadline := began.Add(30 * time.Minute)
	for now := range tick.C {
		m, err := testenv.ReadMemStatus(ctl.Process.Pid)
		if err != nil {
			t.Fatalf("controller exited? %v\n%s", err, logs.String())
		}
		peak = max(peak, m.RSS)
		out := logs.String()
		for phase < len(phases) && (strings.Contains(out, phases[phase].line) || phase == 1 && strings.Contains(out, fillWarn)) {
			t.Logf("%s done at +%s: RSS %s, high-water mark %s; CPU since the start: the controller's %s, Prometheus' %s", phases[phase].name, now.Sub(began).Round(time.Second),
				mib(m.RSS), mib(m.HWM), cpuSince("http://"+addr+"/metrics", 0, true), cpuSince(prom.URL()+"/metrics", promCPU0, promCPUKnown))
			phase++
			if phase == 1 && !strings.Contains(out, "fill_older=true") {
				// A rebuild that read the whole lookback (or the
				// shards of a fleet too large to fill) has no fill;
				// its line comes with the rebuild's.
				t.Logf("no fill follows the rebuild")
				phase++
			}
			if phase == len(phases) {
				settleFrom = now
			}
		}
		if !settleFrom.IsZero() {
			after = append(after, m.RSS)
			if now.Sub(settleFrom) >= settle {
				last := after[max(0, len(after)-60):]
				var sum uint64
				for _, v := range last {
					sum += v
				}
				t.Logf("%d functions, a day of history: controller RSS high-water mark %s (largest 1 s sample %s); %s after the fill (the rebuild, without one): last minute's mean %s, last %s",
					n, mib(m.HWM), mib(peak), settle, mib(sum/uint64(len(last))), mib(m.RSS))
				break
			}
		}
		if now.After(deadline) {
			t.Fatalf("no end of the %s after %s\n%s", phases[min(phase, len(phases)-1)].name, now.Sub(began), out)
		}
	}
	t.Logf("Go memory at the end: %s", goMemory(t, "http://"+addr+"/metrics"))
	if path := os.Getenv("HISTORY_HEAP_PROFILE"); path != "" {
		if err := testenv.SaveHeapProfile("http://"+debugAddr, path); err != nil {
			t.Errorf("heap profile: %v", err)
		}
	}
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(line, `msg="keep-alive: `) || strings.Contains(line, "level=ERROR") {
			t.Log(line)
		}
	}
}

// settleSetting is HISTORY_SETTLE: how long the controller runs after the
// fill before the last figures (1m when unset). At least a minute: the
// figure logged then is the last minute's mean, and a shorter settle made
// it the mean of the seconds right after the fill under that name.
func settleSetting(getenv func(string) string) (time.Duration, error) {
	s := getenv("HISTORY_SETTLE")
	if s == "" {
		return time.Minute, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < time.Minute {
		return 0, fmt.Errorf("HISTORY_SETTLE=%q: want a duration of at least 1m (the last minute's mean is logged after it)", s)
	}
	return v, nil
}

// buildShipped builds the controller of the repository this module sits
// in as the image builds it (static, trimmed, stripped). Not through e2e:
// it would bring the NATS client into this module.
func buildShipped(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "faas-autoscaler")
	build := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/faas-autoscaler")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// goMemory is what the controller's /metrics says of its Go memory: the
// heap's live objects (alloc) against its spans in use, what it holds
// idle and gave back, and all it took from the kernel.
func goMemory(t *testing.T, url string) string {
	t.Helper()
	page, err := testenv.ReadMetricPage(url)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range []string{"heap_alloc", "heap_inuse", "heap_idle", "heap_released", "sys"} {
		v := "n/a"
		if f, ok := page.Value("go_memstats_" + name + "_bytes"); ok {
			v = fmt.Sprintf("%.1f MiB", f/(1<<20))
		}
		out = append(out, name+" "+v)
	}
	return strings.Join(out, ", ")
}

// cpuOf is the process CPU seconds a /metrics page says its process has
// used; ok false when it says none (missing, not 0).
func cpuOf(url string) (float64, bool) {
	page, err := testenv.ReadMetricPage(url)
	if err != nil {
		return 0, false
	}
	return page.Value("process_cpu_seconds_total")
}

// cpuSince renders the process CPU seconds at url above from (known: from
// was read), or n/a.
func cpuSince(url string, from float64, known bool) string {
	v, ok := cpuOf(url)
	if !ok || !known {
		return "n/a"
	}
	return fmt.Sprintf("%.1f s", v-from)
}

// mib renders KiB as MiB.
func mib(kib uint64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
