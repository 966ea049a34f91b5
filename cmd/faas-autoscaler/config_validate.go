// runConfig's validation, which names each bad flag, and flagError, the
// flag errors that only wiring finds.

package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider/kubernetes"
	"github.com/faas-autoscaler/faas-autoscaler/provider/openfaas"
)

// Validate checks the flags together, naming each bad one.
func (c *runConfig) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Provider {
	case "", "memory", "openfaas", "kubernetes":
	default:
		bad("--provider %q: want memory, openfaas or kubernetes", c.Provider)
	}
	mode := c.mode()
	if mode == "openfaas" {
		if c.GatewayURL == "" {
			bad("--gateway-url is required with --provider openfaas")
		} else if err := openfaas.CheckGatewayURL(c.GatewayURL); err != nil {
			bad("--gateway-url %q: %v (want an http(s) URL such as http://gateway.openfaas:8080/)", c.GatewayURL, err)
		}
	}
	if (mode == "openfaas" || mode == "kubernetes") && c.PrometheusURL == "" {
		bad("--prometheus-url is required with --provider %s (the load and activity of functions come from Prometheus)", mode)
	}
	memoryFromFile := mode == "memory" && c.FunctionsFile != ""
	if c.PrometheusURL != "" && mode != "openfaas" && mode != "kubernetes" && !memoryFromFile {
		// As --nats-url and --leader-elect where they do not apply: the
		// embedded default and the memory provider's demo read their
		// simulated gateway through the embedded source, so a URL here was
		// silently ignored. With --functions-file the memory provider
		// holds the file's functions and Prometheus has their metrics.
		bad("--prometheus-url needs --provider openfaas or kubernetes, or --provider memory with --functions-file (the embedded default and the memory provider's demo read the simulated gateway's metrics themselves)")
	} else if c.PrometheusURL != "" {
		if u, err := url.Parse(c.PrometheusURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--prometheus-url %q: want an http(s) URL such as http://prometheus.openfaas:9090", c.PrometheusURL)
		}
	}
	// The listener is opened only after wiring, where a malformed address
	// failed with exit 1 as if at run time; its form is checked here (a
	// port in use is still found, and is a run-time failure, when opened).
	if c.Listen == "" {
		bad("--listen must not be empty")
	} else if err := checkListenAddress(c.Listen); err != nil {
		bad("--listen %q: %v", c.Listen, err)
	}
	if strings.TrimSpace(c.DefaultNamespace) == "" {
		bad("--default-namespace must not be empty: a function_name without a dot needs a namespace (default openfaas-fn)")
	} else if !alerts.ValidNamespace(c.DefaultNamespace) {
		// Refused by the webhook at wiring before: exit 1, no flag named.
		bad("--default-namespace %q: want letters, digits, '-', '_' or '.', at most 253 characters", c.DefaultNamespace)
	}
	if c.DebugListen != "" {
		// As --listen: a bad port passed this check and stopped the start
		// with exit 1, as if the port were taken.
		if err := checkListenAddress(c.DebugListen); err != nil {
			bad("--debug-listen %q: %v (e.g. 127.0.0.1:6060)", c.DebugListen, err)
		} else if c.DebugListen == c.Listen {
			bad("--debug-listen %q: must differ from --listen (the profiler stays off the public address)", c.DebugListen)
		}
	}
	if !(c.MemoryLimitRatio >= 0 && c.MemoryLimitRatio <= 1) {
		bad("--memory-limit-ratio %v: want a share from 0 (off) to 1, such as 0.9", c.MemoryLimitRatio)
	}
	if c.GCPercent != 0 && (c.GCPercent < 10 || c.GCPercent > 1000) {
		bad("--gc-percent %d: want 10 to 1000, or 0 for the runtime's default", c.GCPercent)
	}
	if c.Duration < 0 {
		bad("--duration %v: must not be negative", c.Duration)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("--log-format %q: want text or json", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.WebhookAuth {
	case "basic", "bearer", "basic+bearer", "none":
	default:
		bad("--webhook-auth %q: want basic, bearer, basic+bearer or none", c.WebhookAuth)
	}
	if strings.Contains(c.WebhookAuth, "bearer") && c.WebhookTokenFile == "" {
		bad("--webhook-token-file is required with --webhook-auth %s", c.WebhookAuth)
	}
	if c.WebhookMaxBody < 1024 || c.WebhookMaxBody > alerts.MaxMaxBody {
		bad("--webhook-max-body-bytes %d: want 1024 to %d bytes (default %d, 1 MiB)", c.WebhookMaxBody, int64(alerts.MaxMaxBody), int64(alerts.DefaultMaxBody))
	}
	if c.FunctionsFile != "" && mode != "memory" {
		bad("--functions-file needs --provider memory (it seeds the in-memory provider)")
	}
	if c.LeaderElect && mode != "kubernetes" {
		bad("--leader-elect needs --provider kubernetes (the Lease lives in the cluster)")
	}
	if c.LeaderElect {
		// Checked here, not left to leader.New at wiring: that failed with
		// exit 1 blaming --leader-elect, and an empty name fell back to the
		// default one, which another Deployment may be electing on.
		if c.LeaseName == "" {
			bad("--leader-election-lease must not be empty: every replica of one controller elects on the Lease it names (default faas-autoscaler)")
		} else if err := leader.CheckLeaseName(c.LeaseName); err != nil {
			bad("%s %v", c.flagSource("leader-election-lease"), err)
		}
		if c.LeaseNamespace != "" { // empty: the pod's namespace
			if err := leader.CheckNamespace(c.LeaseNamespace); err != nil {
				bad("%s %v", c.flagSource("leader-election-namespace"), err)
			}
		}
	}
	if mode == "kubernetes" {
		// Checked here as kubernetes.New checks them at wiring, where a bad
		// value stopped the start with exit 1 (a run-time failure the
		// kubelet restarts for ever) naming neither flag.
		if err := kubernetes.CheckSelector(c.Selector); err != nil {
			bad("%s: %v", c.flagSource("selector"), err)
		}
		for _, ns := range c.Namespaces {
			if err := kubernetes.CheckNamespace(ns); err != nil {
				bad("%s: %v", c.flagSource("namespaces"), err)
			}
		}
	}
	c.natsConfig.validate(mode, bad)
	return errors.Join(errs...)
}

// flagSource names a flag for a message about its value: "--name", and
// the variable when the value came from it, since an operator who set
// the variable in a manifest looks for that name, not the flag's.
func (c *runConfig) flagSource(name string) string {
	if env, ok := c.fromEnv[name]; ok {
		return "--" + name + " (environment variable " + env + ")"
	}
	return "--" + name
}

// checkListenAddress checks the form of a listen address: host:port with
// the port a number from 0 to 65535 or a service name (net.Listen's own
// rules, without opening anything).
func checkListenAddress(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port such as :8080 or 127.0.0.1:8080")
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("port %q: want a number from 0 to 65535", port)
	}
	return nil
}

// flagError is a bad flag value that only wiring finds: a file a flag
// names that cannot be read (--webhook-token-file, --kubeconfig, the
// secrets under --secret-mount-path). runCmd exits 2 for it, as for what
// Validate refuses (README: "A bad value exits with status 2 and names the
// flag"), so scripts and the kubelet can tell a configuration error from a
// run-time failure (exit 1).
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// badFlag is a wiring error caused by a flag's value; the message names
// the flag.
func badFlag(format string, a ...any) error { return flagError{fmt.Errorf(format, a...)} }
