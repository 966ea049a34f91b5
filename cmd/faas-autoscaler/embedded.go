package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// demoFunction is one function of the embedded default: its labels say how
// it scales, its workload what load the simulated gateway sends it.
type demoFunction struct {
	name   string
	labels map[string]string
	work   gatewaysim.Workload
	story  string
}

// demoFunctions tell a one-minute story: a burst that is met at once, a
// steady capacity-scaled function, one that idles to zero and is woken again,
// and one that never changes.
func demoFunctions() []demoFunction {
	return []demoFunction{
		{
			name: "figlet", story: "rps: 10/s, a burst of 150/s, 60/s, then 5/s",
			labels: map[string]string{
				"com.openfaas.scale.type": "rps", "com.openfaas.scale.target": "20",
				"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "12",
				"com.openfaas.scale.down.window": "15s",
			},
			work: gatewaysim.Workload{Duration: 40 * time.Millisecond, Load: gatewaysim.Pattern{
				{For: 8 * time.Second, RPS: 10}, {For: 12 * time.Second, RPS: 150},
				{For: 20 * time.Second, RPS: 60}, {For: 20 * time.Second, RPS: 5},
			}},
		},
		{
			name: "env", story: "capacity: 0.5 s calls at 24/s ≈ 12 in flight, target 5 per replica",
			labels: map[string]string{
				"com.openfaas.scale.type": "capacity", "com.openfaas.scale.target": "5",
				"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "10",
			},
			work: gatewaysim.Workload{Duration: 500 * time.Millisecond, Concurrency: 8, Load: gatewaysim.Pattern{
				{For: 30 * time.Second, RPS: 24}, {For: 30 * time.Second, RPS: 8},
			}},
		},
		{
			name: "nodeinfo", story: "scale to zero after 15 s idle; woken by the gateway at 60 s",
			labels: map[string]string{
				"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "15s",
				"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "5",
			},
			work: gatewaysim.Workload{Duration: 20 * time.Millisecond, Load: gatewaysim.Pattern{
				{For: 12 * time.Second, RPS: 4}, {For: 48 * time.Second, RPS: 0},
			}},
		},
		{
			name: "markdown", story: "steady 3/s, no opt-in to zero: stays at its min",
			labels: map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "5"},
			work:   gatewaysim.Workload{Duration: 30 * time.Millisecond, Load: gatewaysim.Constant(3)},
		},
	}
}

// demoTuning shortens the production intervals so the embedded default
// shows a whole story within a minute. It is the base the --config file and
// the flags are laid over, printed at start (not applied silently).
func demoTuning(c config.Config) config.Config {
	c.Scaler.Interval = 2 * time.Second
	c.Scaler.StableWindow = 10 * time.Second
	c.Scaler.BurstWindow = 3 * time.Second
	c.Idler.Schedule = "@every 5s"
	return c
}

// applyDemoWiring: the embedded default listens on loopback only, without
// webhook auth (nothing to authenticate against). The demo logs at error
// level (its terminal view tells the story; --log-level info shows logs);
// with --functions-file there is no view, so the log stays at info, as on
// the other providers: at error level that run printed nothing at all, not
// even what it scaled. Explicit flags still win.
func applyDemoWiring(c *runConfig, explicit map[string]bool) {
	set := func(flagName string, f func()) {
		if !explicit[flagName] {
			f()
		}
	}
	set("webhook-auth", func() { c.WebhookAuth = "none" })
	set("listen", func() { c.Listen = "127.0.0.1:8080" })
	if c.FunctionsFile == "" {
		set("log-level", func() { c.LogLevel = "error" })
	}
}

const demoNamespace = "openfaas-fn"

// wireEmbedded builds the embedded default: a simulated gateway in front of
// the memory provider, and the embedded metrics source scraping it.
func (p *process) wireEmbedded(out io.Writer) (*demoView, error) {
	// ShareMaps: the controller never modifies a listed function's maps, so
	// a listing need not copy every function's labels (100,000 at a time
	// with --functions-file), and a kept parse sees the very same map.
	mem := memory.New(p.clk, memory.Options{ColdStart: 2 * time.Second, ShareMaps: true})
	fns := demoFunctions()
	if p.cfg.functions != nil {
		// --functions-file: the file's functions, idle (no workload), and
		// none of the demo's.
		fns = nil
		for _, f := range *p.cfg.functions {
			if err := mem.Deploy(f); err != nil {
				return nil, fmt.Errorf("--functions-file: %w", err)
			}
		}
		// Said at start: with no view, this line and the listening one
		// tell the operator what the controller holds.
		metrics := "a gateway simulated in the process, read by the embedded source"
		if p.cfg.PrometheusURL != "" {
			metrics = "prometheus"
		}
		p.log.Info("functions deployed from --functions-file", "file", p.cfg.FunctionsFile,
			"functions", len(*p.cfg.functions), "metrics", metrics)
		*p.cfg.functions = nil // deployed: the provider holds its copies now
	}
	if p.cfg.PrometheusURL != "" {
		// --functions-file with --prometheus-url: the memory provider
		// holds the functions, Prometheus has their metrics (a gateway
		// elsewhere, or one simulated with the same file). No gateway
		// simulated in this process, no embedded source.
		p.provider = mem
		return nil, p.wirePrometheus()
	}
	gw, err := gatewaysim.New(gatewaysim.Config{
		Provider: mem, Clock: p.clk, ScaleFromZero: true, Inflight: true,
		Logger: p.log.With("component", "gateway"),
	})
	if err != nil {
		return nil, err
	}
	now := p.clk.Now()
	for _, f := range fns {
		ref := provider.Ref{Name: f.name, Namespace: demoNamespace}
		if err := mem.Deploy(provider.Function{Ref: ref, Labels: f.labels, Replicas: 1, AvailableReplicas: 1, CreatedAt: now.Add(-time.Hour)}); err != nil {
			return nil, err
		}
		gw.SetWorkload(ref, f.work)
	}
	ec := embedded.DefaultConfig()
	ec.Fetch, ec.Clock = gw.Scrape, p.clk
	if fns != nil {
		// The demo's story is a minute long: a scrape a second. Functions
		// from a file run on production timings, the source's default
		// interval among them (Prometheus's scrape in the OpenFaaS chart).
		ec.Interval = time.Second
	}
	ec.DefaultNamespace = demoNamespace
	ec.Logger = p.log.With("component", "embedded-source")
	src, err := embedded.New(ec)
	if err != nil {
		return nil, err
	}
	p.provider, p.source = mem, src
	// The simulated gateway and the source's scrapes run with the file's
	// functions too: they are the controller's metrics (without them every
	// read was missing and nothing was ever idled or scaled).
	// Rates need two scrapes; acting before them would only log missing data.
	p.warmup = 2*ec.Interval + 100*time.Millisecond
	p.extra = append(p.extra, gw.Run, src.Run)
	if fns == nil {
		return nil, nil // no demo: no story to show
	}
	t := p.cfg.Tuning
	from := "demo timings"
	hint := "set in --config to change"
	if p.cfg.ConfigFile != "" {
		// The file may set any of them: say where the line's values
		// come from rather than calling the file's values the demo's.
		from = "timings of " + p.cfg.ConfigFile + " over the demo's"
		hint = "the demo's where the file is silent"
	}
	// A deprecated flag (or its variable) beats the file and the demo: its
	// value is named as its own, not as a demo timing a file could change
	// (a review's finding).
	var given []string
	srcs := p.cfg.deprecated.Sources()
	for _, key := range []string{"scaler.interval", "scaler.stable_window", "scaler.burst_window", "idler.schedule"} {
		if s, ok := srcs[key]; ok {
			given = append(given, key+" from "+s)
		}
	}
	if len(given) > 0 {
		hint += "; " + strings.Join(given, ", ") + ", which beats the file"
	}
	fmt.Fprintf(out, "embedded default: %s: scaler.interval %s, stable_window %s, burst_window %s, idler.schedule %q (%s)\n",
		from, t.Scaler.Interval, t.Scaler.StableWindow, t.Scaler.BurstWindow, t.Idler.Schedule, hint)
	return newDemoView(out, p.clk, mem, gw, fns), nil
}
