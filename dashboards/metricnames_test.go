package dashboards

import (
	"context"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/controller"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/kubernetes"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// The PromQL tests (here and in package rules) scrape hand-made copies of the
// controller's and the gateway's series, so they prove the queries work on
// those copies, not that the copies match the code. These tests close that
// gap: every faas_autoscaler_* and gateway_* name, and every label matched on
// it, that a dashboard or a generated rule reads must be one the owning
// package really exports.

// exported maps a metric name to its label names. Histograms also hold their
// _bucket (with le), _sum and _count series.
type exported map[string][]string

// recordingRegisterer records the descriptors of every collector registered
// on it, the way a real registry sees them, without keeping any series.
// Unchecked collectors (they describe nothing, as the scaler's streamed
// per-function families) are kept in *unchecked and read by collecting
// them once the controller has decided a function.
type recordingRegisterer struct {
	m         exported
	unchecked *[]prometheus.Collector
}

var descRE = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", .*variableLabels: \{([^}]*)\}\}$`)

func (r recordingRegisterer) Register(c prometheus.Collector) error {
	// Histograms and summaries both observe; the project exports no
	// summaries, so an observer is a histogram.
	_, single := c.(prometheus.Observer)
	_, vec := c.(prometheus.ObserverVec)
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	described := false
	for d := range ch {
		described = true
		r.record(d, single || vec)
	}
	if !described {
		*r.unchecked = append(*r.unchecked, c)
	}
	return nil
}

// record notes the metric a descriptor describes.
func (r recordingRegisterer) record(d *prometheus.Desc, histogram bool) {
	m := descRE.FindStringSubmatch(d.String())
	if m == nil {
		panic("unparsed descriptor " + d.String())
	}
	var labels []string
	if m[2] != "" {
		labels = strings.Split(m[2], ",")
	}
	r.m[m[1]] = labels
	if histogram {
		r.m[m[1]+"_bucket"] = append(slices.Clone(labels), "le")
		r.m[m[1]+"_sum"] = labels
		r.m[m[1]+"_count"] = labels
	}
}

// collectUnchecked records what the unchecked collectors collect now.
func (r recordingRegisterer) collectUnchecked() {
	for _, c := range *r.unchecked {
		ch := make(chan prometheus.Metric, 64)
		go func() { c.Collect(ch); close(ch) }()
		for m := range ch {
			r.record(m.Desc(), false)
		}
	}
}

func (r recordingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = r.Register(c)
	}
}

func (r recordingRegisterer) Unregister(prometheus.Collector) bool { return true }

// exportedMetrics builds the controller's components and the simulated
// gateway the way `faas-autoscaler run` does and returns what they export.
func exportedMetrics(t *testing.T) exported {
	t.Helper()
	rec := recordingRegisterer{m: exported{}, unchecked: new([]prometheus.Collector)}
	mem := memory.New(clock.Real(), memory.Options{})
	src := scalertest.NewSource()
	ctl, err := controller.New(config.Default(), controller.Wiring{}, controller.Deps{Provider: provider.Instrument(mem, rec),
		Source: src, Registerer: rec})
	if err != nil {
		t.Fatal(err)
	}
	// The per-function families are streamed for decided functions only:
	// decide one, then collect them.
	decided := provider.Ref{Name: "decided", Namespace: "openfaas-fn"}
	if err := mem.Deploy(provider.Function{Ref: decided, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	if err := ctl.Loop.Tick(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	rec.collectUnchecked()
	if _, err := alerts.NewHandler(alerts.Config{Sink: ctl.Loop, Auth: alerts.AuthNone, Registerer: rec}); err != nil {
		t.Fatal(err)
	}
	// The elector `run` builds with --leader-elect (faas_autoscaler_leader_*,
	// which the health alerts read); it never runs here.
	if _, err := leader.New(leader.Config{Client: &kubeapi.MemoryLeases{}, Namespace: "openfaas", Registerer: rec,
		OnStartedLeading: func(context.Context) {}}); err != nil {
		t.Fatal(err)
	}
	// The Kubernetes provider `run --provider kubernetes` builds
	// (faas_autoscaler_kubernetes_*, which a health alert reads); never started.
	kc := kubernetes.DefaultConfig()
	kc.Client, kc.Registerer = kubeapitest.From(fake.NewClientset()), rec
	if _, err := kubernetes.New(kc); err != nil {
		t.Fatal(err)
	}

	// The gateway simulator keeps its registry to itself: gather it after
	// one function has served requests, so every series exists.
	gw, err := gatewaysim.New(gatewaysim.Config{Provider: mem, Inflight: true})
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	if err := mem.Deploy(provider.Function{Ref: ref, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	gw.SetRPS(ref, 20)
	t0 := time.Now()
	for i := range 3 {
		gw.Step(context.Background(), t0.Add(time.Duration(i)*time.Second))
	}
	mfs, err := gw.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		var labels []string
		for _, lp := range mf.GetMetric()[0].GetLabel() {
			labels = append(labels, lp.GetName())
		}
		rec.m[mf.GetName()] = labels
		if mf.GetMetric()[0].GetHistogram() != nil {
			rec.m[mf.GetName()+"_bucket"] = append(slices.Clone(labels), "le")
			rec.m[mf.GetName()+"_sum"] = labels
			rec.m[mf.GetName()+"_count"] = labels
		}
	}
	// The JetStream queue-worker's series (reference/openfaas.md), as the
	// test stack's worker (internal/queueworker) exports them.
	rec.m["queue_worker_pending_messages"] = []string{"function_name", "queue_name"}
	rec.m["queue_worker_function_invocation_inflight"] = []string{"function_name"}
	rec.m["queue_worker_messages_processed_total"] = []string{"function_name"}
	return rec.m
}

// ours reports whether a metric name is one this project (controller or
// gateway simulator) must export; kubelet and queue-worker series are not.
func ours(name string) bool {
	return strings.HasPrefix(name, "faas_autoscaler_") || strings.HasPrefix(name, "gateway_")
}

var (
	// A selector: a metric name, optionally followed by {matchers}.
	selectorRE = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?`)
	matcherRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)`)
	// Grouping and matching clauses: by (...), without (...), on (...),
	// ignoring (...), group_left (...), group_right (...).
	groupingRE = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	stringRE   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	// nameSetRE is a selector by a set of names, {__name__=~"a|b"}: each
	// name is checked as a selector of its own.
	nameSetRE = regexp.MustCompile(`__name__=~"([a-zA-Z0-9_:|]+)"`)
)

// checkExpr reports every name of ours in expr that is not exported, every
// label matched on such a metric that it does not carry, and every grouping
// label that no series of the expression carries. records are the recorded
// series the expression may read, with their labels.
func checkExpr(expr string, have, records exported) []string {
	var problems []string
	// Matcher values may hold anything; blank them (keeping the quotes) so
	// they are not read as names.
	bare := stringRE.ReplaceAllString(expr, `""`)
	known := map[string]bool{"job": true, "instance": true, "le": true}
	selectors := selectorRE.FindAllStringSubmatch(bare, -1)
	for _, m := range nameSetRE.FindAllStringSubmatch(expr, -1) {
		for name := range strings.SplitSeq(m[1], "|") {
			selectors = append(selectors, []string{name, name, ""})
		}
	}
	for _, m := range selectors {
		name := m[1]
		labels, isOurs := have[name]
		if rec, ok := records[name]; ok {
			labels, isOurs = rec, true
		} else if !isOurs && ours(name) {
			problems = append(problems, "metric "+name+" is not exported by any package")
			continue
		}
		for _, l := range labels {
			known[l] = true
		}
		if !isOurs || m[2] == "" {
			continue
		}
		for _, mm := range matcherRE.FindAllStringSubmatch(m[2], -1) {
			if l := mm[1]; !slices.Contains(labels, l) && l != "job" && l != "instance" {
				problems = append(problems, "metric "+name+" has no label "+l)
			}
		}
	}
	for _, m := range groupingRE.FindAllStringSubmatch(bare, -1) {
		for _, l := range strings.Split(m[1], ",") {
			if l = strings.TrimSpace(l); l != "" && !known[l] {
				problems = append(problems, "no series of the expression has the label "+l)
			}
		}
	}
	return problems
}

// allRules is every rule the generator can emit: all built-in types, the
// scale-down alert and the CE-compatible rule.
func allRules(t *testing.T) rules.RuleFile {
	t.Helper()
	o := rules.Defaults()
	o.Types = rules.BuiltinTypes
	o.ScaleDownAlerts = true
	o.CECompatible = true
	f, err := rules.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// recorded returns the series the rules record, with their labels, and
// ALERTS with the alerts' labels.
func recorded(f rules.RuleFile) exported {
	out := exported{"ALERTS": {"alertname", "alertstate", "function_name", "scaling_type"}}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			name := r.Record
			if name == "" {
				name = "ALERTS"
			}
			labels := slices.Clone(out[name])
			if r.Record != "" && !slices.Contains(labels, "function_name") {
				labels = append(labels, "function_name") // every record is by (function_name)
			}
			for l := range r.Labels {
				if !slices.Contains(labels, l) {
					labels = append(labels, l)
				}
			}
			sort.Strings(labels)
			out[name] = labels
		}
	}
	return out
}

func TestDashboardMetricsAreExported(t *testing.T) {
	have := exportedMetrics(t)
	records := recorded(allRules(t))
	for _, n := range All() {
		t.Run(n.File, func(t *testing.T) {
			exprs, err := Expressions(committed(t, n.File))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range exprs {
				for _, p := range checkExpr(toPromQL(e), have, records) {
					t.Errorf("%s\n  in %s", p, e)
				}
			}
		})
	}
}

func TestRuleMetricsAreExported(t *testing.T) {
	have := exportedMetrics(t)
	// Series of other exporters the rules read, labelled as
	// reference/openfaas.md says (kubelet relabelled by the OpenFaaS chart;
	// the JetStream queue-worker).
	// The kubelet labels each pod (pod), and every scraped series has the
	// target's instance: the CPU records take each pod once by them.
	have["pod_cpu_usage_seconds_total"] = []string{"function_name", "instance", "namespace", "pod"}
	have["queue_worker_pending_messages"] = []string{"function_name", "queue_name"}
	f := allRules(t)
	records := recorded(f)
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			for _, p := range checkExpr(r.Expr, have, records) {
				t.Errorf("%s %s%s: %s", g.Name, r.Record, r.Alert, p)
			}
		}
	}
}

// TestContractConstants pins the names the rules write and the controller
// reads, which live in packages that do not import each other.
func TestContractConstants(t *testing.T) {
	pairs := []struct{ what, rules, reader string }{
		{"load record", rules.CurrentLoadRecord, metricsource.CustomLoadMetric},
		{"load annotation", rules.LoadAnnotation, alerts.LoadAnnotation},
		{"rps type", rules.TypeRPS, metricsource.TypeRPS},
		{"capacity type", rules.TypeCapacity, metricsource.TypeCapacity},
		{"cpu type", rules.TypeCPU, metricsource.TypeCPU},
		{"queue type", rules.TypeQueue, metricsource.TypeQueue},
		{"target gauge", "faas_autoscaler_function_target_load", scaler.MetricTargetLoad},
		{"webhook path", rules.AlertPath, alerts.Path},
		{"webhook password file", path.Base(rules.DefaultAlertmanagerOptions().PasswordFile), alerts.BasicAuthPasswordFile},
	}
	for _, p := range pairs {
		if p.rules != p.reader {
			t.Errorf("%s: rules write %q, the controller reads %q", p.what, p.rules, p.reader)
		}
	}
}

// TestCheckExprFinds makes sure the checker above can fail.
func TestCheckExprFinds(t *testing.T) {
	have := exported{"faas_autoscaler_function_replicas": {"function_name"}}
	tests := []struct {
		name, expr string
		problems   int
	}{
		{"known", `max by (function_name) (faas_autoscaler_function_replicas{function_name="a.b"})`, 0},
		{"unknown name", `faas_autoscaler_function_replica`, 1},
		{"unknown label", `faas_autoscaler_function_replicas{function="a"}`, 1},
		{"unknown grouping", `sum by (function) (faas_autoscaler_function_replicas)`, 1},
		{"value not a name", `faas_autoscaler_function_replicas{function_name="gateway_x"}`, 0},
		{"foreign metric", `rate(pod_cpu_usage_seconds_total[1m])`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkExpr(tc.expr, have, exported{}); len(got) != tc.problems {
				t.Errorf("problems = %q, want %d", got, tc.problems)
			}
		})
	}
}
