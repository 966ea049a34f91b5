package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/provider/openfaas"
)

// dnsLabelRE is the shape of a name OpenFaaS deploys a function under; the
// 63-character bound of Kubernetes is not checked (faasd has none).
var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// maxDemoReplicas bounds the replicas a function starts with: every replica
// is simulated.
const maxDemoReplicas = 1000

// functionFlags collects --function name.namespace[:label=value,label=value].
type functionFlags []provider.Function

func (f *functionFlags) String() string { return fmt.Sprint(len(*f)) }

func (f *functionFlags) Set(v string) error {
	name, labels, _ := strings.Cut(v, ":")
	ref, err := provider.ParseRef(name, demoNamespace)
	if err != nil {
		return err
	}
	// Only names a provider deploys: faas-netes and faasd take a service
	// name that is a DNS-1123 label, and the namespace is a Kubernetes one.
	for _, part := range []struct{ what, v string }{{"function name", ref.Name}, {"namespace", ref.Namespace}} {
		if !dnsLabelRE.MatchString(part.v) {
			return fmt.Errorf("%s %q in %q: not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit), as OpenFaaS requires", part.what, part.v, name)
		}
	}
	fn := provider.Function{Ref: ref, Labels: map[string]string{}, Replicas: 1, AvailableReplicas: 1}
	for kv := range strings.SplitSeq(labels, ",") {
		if strings.TrimSpace(kv) == "" { // a trailing comma, as "a=1, "
			continue
		}
		// Trimmed as written by hand, "min=2, max=3": the key was kept as
		// " max", which nothing reads (nor the unknown-label warning, which
		// matches the prefix at its first byte), so max stayed the default.
		// The scaler trims values too; the start-up count below must read
		// the same number.
		k, val, ok := strings.Cut(kv, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" || strings.ContainsFunc(k, unicode.IsSpace) {
			return fmt.Errorf("label %q: want key=value", kv)
		}
		// As a function given twice: the last value silently won.
		if _, dup := fn.Labels[k]; dup {
			return fmt.Errorf("label %s is given twice: give each label once", k)
		}
		fn.Labels[k] = val
	}
	// faas-netes creates a function's Deployment at its minimum; one that is
	// not a whole number it ignores (the controller refuses it). A minimum
	// of 0 starts the function at zero here, for scale-to-zero demos.
	if m, ok := fn.Labels["com.openfaas.scale.min"]; ok {
		if n, err := strconv.ParseUint(m, 10, 64); err == nil {
			if n > maxDemoReplicas {
				return fmt.Errorf("label com.openfaas.scale.min=%s: the simulated gateway starts at most %d replicas", m, maxDemoReplicas)
			}
			fn.Replicas, fn.AvailableReplicas = n, n
		}
	}
	*f = append(*f, fn)
	return nil
}

// duplicate is the first function given twice in f ("a" and
// "a.openfaas-fn" are one function). A second deploy replaced the first in
// silence, so which labels were in force depended on the order given.
func (f functionFlags) duplicate() (provider.Ref, bool) {
	seen := make(map[provider.Ref]struct{}, len(f))
	for _, fn := range f {
		if _, dup := seen[fn.Ref]; dup {
			return fn.Ref, true
		}
		seen[fn.Ref] = struct{}{}
	}
	return provider.Ref{}, false
}

// readFile adds one function a line of path (blank lines skipped): the
// footprint harness deploys 100,000, which no command line (ARG_MAX) holds.
// A function already in f, or on an earlier line, is refused naming both
// places (f itself is taken to hold none twice: see duplicate).
func (f *functionFlags) readFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	seen := make(map[provider.Ref]int, len(*f)) // → its line; 0 = a --function flag
	for _, fn := range *f {
		seen[fn.Ref] = 0
	}
	for i, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		if err := f.Set(line); err != nil {
			return fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		ref := (*f)[len(*f)-1].Ref
		if at, dup := seen[ref]; dup {
			first := "a --function flag"
			if at > 0 {
				first = fmt.Sprintf("line %d", at)
			}
			return fmt.Errorf("%s:%d: function %s is given twice (first: %s): give each function once, with all its labels", path, i+1, ref, first)
		}
		seen[ref] = i + 1
	}
	return nil
}

// gatewayCmd is `faas-autoscaler gateway`: the simulated OpenFaaS gateway on
// its own, serving the provider API, the gateway metrics and a load control
// route, so a real Prometheus, AlertManager and controller can be pointed at
// it by hand (make e2e-up).
func gatewayCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8081", "address of the provider API, /metrics and /sim/load")
	coldStart := fs.Duration("cold-start", 2*time.Second, "delay before a new replica is available")
	refuseZero := fs.Bool("refuse-zero", false, "answer a scale to 0 with 400, as OpenFaaS CE does")
	inflight := fs.Bool("inflight", true, "export gateway_function_invocation_inflight (OpenFaaS Pro)")
	latency := fs.Bool("latency", true, "export gateway_functions_seconds, the latency histogram (false: a large called fleet's 14 series a function take longer to render than a scrape interval; the capacity type then reads the in-flight gauge alone)")
	secrets := fs.String("secret-mount-path", "", "folder with basic-auth-user and basic-auth-password, neither empty: turns on basic auth for /system/*")
	step := fs.Duration("step", 100*time.Millisecond, "the simulation's tick: arrivals, completions and replica reads of every function once a tick (a larger fleet's ticks cost more CPU; calls are counted at the tick they fall in)")
	duration := fs.Duration("duration", 0, "stop after this long (0 = until SIGINT/SIGTERM)")
	var fns functionFlags
	fs.Var(&fns, "function", "a function to deploy: name[.namespace][:label=value,…] (repeatable)")
	fnFile := fs.String("functions-file", "", "a file of functions to deploy, one --function value a line (for more than a command line holds)")
	loadFlag := fs.String("load", "", "a load pattern every function gets from the start, duration@rps[,duration@rps…] repeated (rps may be fractional: 20s@0.05 is one call each 20 s); the functions' calls are spread evenly over the pattern's period (default: none, every function idle until PUT /sim/load)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	// As every other subcommand: a stray word (a mistyped flag's value)
	// is an error, not silently ignored.
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "faas-autoscaler gateway: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	// Negative durations mean nothing: --duration -1s ran until killed,
	// --cold-start -5s ran as if it were 0.
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--duration", *duration}, {"--cold-start", *coldStart}} {
		if d.v < 0 {
			fmt.Fprintf(stderr, "faas-autoscaler gateway: %s %s: must not be negative\n", d.flag, d.v)
			return 2
		}
	}
	if *step <= 0 { // 0 would mean gatewaysim's default, not what was asked
		fmt.Fprintf(stderr, "faas-autoscaler gateway: --step %s: must be positive\n", *step)
		return 2
	}
	if ref, dup := fns.duplicate(); dup {
		fmt.Fprintf(stderr, "faas-autoscaler gateway: --function %s is given twice: give each function once, with all its labels\n", ref)
		return 2
	}
	if *fnFile != "" {
		if err := fns.readFile(*fnFile); err != nil {
			fmt.Fprintf(stderr, "faas-autoscaler gateway: --functions-file: %v\n", err)
			return 2
		}
	}
	if len(fns) == 0 {
		fmt.Fprintln(stderr, "faas-autoscaler gateway: at least one --function (or --functions-file) is required")
		return 2
	}
	var load gatewaysim.Pattern
	if *loadFlag != "" {
		var err error
		if load, err = gatewaysim.ParsePattern(*loadFlag); err != nil {
			fmt.Fprintf(stderr, "faas-autoscaler gateway: --load: %v\n", err)
			return 2
		}
	}
	clk := clock.Real()
	mem := memory.New(clk, memory.Options{ColdStart: *coldStart})
	gw, err := gatewaysim.New(gatewaysim.Config{Provider: mem, Clock: clk, ScaleFromZero: true, Inflight: *inflight, NoLatency: !*latency, Step: *step})
	if err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler gateway: %v\n", err)
		return 1
	}
	opts := gatewaysim.APIOptions{RefuseZero: *refuseZero, DefaultNamespace: demoNamespace}
	if *secrets != "" {
		// As the controller reads the same files (provider/openfaas, alerts):
		// an empty one is refused, naming it. gatewaysim takes an empty user
		// for auth off, so a Secret made with an empty literal served
		// /system/* to anyone.
		u, p, err := openfaas.ReadCredentials(*secrets)
		if err != nil {
			fmt.Fprintf(stderr, "faas-autoscaler gateway: --secret-mount-path: %v\n", err)
			return 2
		}
		opts.Username, opts.Password = u, p
	}
	for i, fn := range fns {
		fn.CreatedAt = clk.Now().Add(-time.Hour)
		if err := mem.Deploy(fn); err != nil {
			fmt.Fprintf(stderr, "faas-autoscaler gateway: --function %s: %v\n", fn.Ref, err)
			return 2
		}
		// Function i starts i/n of the way into the pattern: at one call
		// per period each, n functions would otherwise all be called in
		// the same step, a burst no fleet of independent clients makes.
		offset := time.Duration(float64(load.Period()) * float64(i) / float64(len(fns))) // float: period × i overflows at long periods
		gw.SetWorkload(fn.Ref, gatewaysim.Workload{Duration: 50 * time.Millisecond, Load: load, Offset: offset})
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "faas-autoscaler gateway: --listen %s: %v\n", *listen, err)
		return 2
	}
	// As run: the first signal drains the server, a second exits at once.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, stop := shutdownOnSignal(context.Background(), sigs, slog.New(slog.NewTextHandler(stderr, nil)), os.Exit)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	srv := &http.Server{Handler: gw.Handler(opts), ReadHeaderTimeout: 10 * time.Second}
	// Returning is the process's exit, so the command waits for both: Serve
	// returns as soon as Shutdown starts, not when the drain ends, which
	// cut the requests still being served.
	ran := make(chan struct{})
	go func() { defer close(ran); _ = gw.Run(ctx) }()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "simulated gateway on http://%s (provider API, /metrics, PUT /sim/load/{name}?namespace= {\"rps\":N})\n", ln.Addr())
	err = srv.Serve(ln)
	stop() // Serve failed on its own: end the loop and the drain too
	<-drained
	<-ran
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "faas-autoscaler gateway: %v\n", err)
		return 1
	}
	return 0
}
