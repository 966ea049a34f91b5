package rules_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/controller"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	"github.com/faas-autoscaler/faas-autoscaler/leader"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/kubernetes"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// describing records the name of every metric registered through it.
type describing struct {
	prometheus.Registerer
	names map[string]bool
}

var fqNameRE = regexp.MustCompile(`fqName: "([^"]+)"`)

func (d describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		if m := fqNameRE.FindStringSubmatch(desc.String()); m != nil {
			d.names[m[1]] = true
		}
	}
	return d.Registerer.Register(c)
}

func (d describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := d.Register(c); err != nil {
			panic(err)
		}
	}
}

// noLeases is a Lease client the elector never calls before Run.
type noLeases struct{ kubeapi.Leases }

// controllerMetrics assembles the controller as `run` does (the assembly, an
// instrumented provider, the webhook and a leader elector, and the
// Kubernetes provider's cache health, which `run --provider kubernetes`
// registers: wire_kubernetes.go) on one registry and returns the names registered and the series gathered: most families
// start every label value at zero, so the series say which values exist.
func controllerMetrics(t *testing.T) (map[string]bool, map[string]*dto.MetricFamily) {
	t.Helper()
	reg := prometheus.NewRegistry()
	d := describing{Registerer: reg, names: map[string]bool{}}
	mem := memory.New(clock.Real(), memory.Options{})
	ctl, err := controller.New(config.Default(), controller.Wiring{}, controller.Deps{Provider: provider.Instrument(mem, d),
		Source: scalertest.NewSource(), Registerer: d})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alerts.NewHandler(alerts.Config{Sink: ctl.Loop, Auth: alerts.AuthNone, Registerer: d}); err != nil {
		t.Fatal(err)
	}
	if _, err := leader.New(leader.Config{Client: noLeases{}, Namespace: "openfaas", Registerer: d,
		OnStartedLeading: func(ctx context.Context) {}}); err != nil {
		t.Fatal(err)
	}
	kc := kubernetes.DefaultConfig()
	kc.Client, kc.Registerer = kubeapitest.From(fake.NewClientset()), d
	if _, err := kubernetes.New(kc); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	fams := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		fams[mf.GetName()] = mf
	}
	return d.names, fams
}

var (
	selectorRE = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}`)
	matcherRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)(=~|!=|=)"([^"]*)"`)
)

// TestHealthSelectorsMatchTheController checks every series selector of the
// health alerts against the assembled controller: the metric is registered
// (a histogram's _count by its family), and each label value a matcher
// names (each alternative of a regular expression) is one the controller
// exports. The actuator's scale calls (every component's writes) start no
// series; their result values are its codes, with applied written ok
// (actuator/metrics.go).
func TestHealthSelectorsMatchTheController(t *testing.T) {
	names, fams := controllerMetrics(t)
	f, err := rules.Generate(rules.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	scaleResults := []string{"ok"}
	for _, c := range actuator.Codes {
		scaleResults = append(scaleResults, string(c))
	}
	checked := 0
	for _, g := range f.Groups {
		if g.Name != rules.GroupHealth {
			continue
		}
		for _, r := range g.Rules {
			for _, sel := range selectorRE.FindAllStringSubmatch(r.Expr, -1) {
				name := sel[1]
				if name == "up" {
					continue // Prometheus's own
				}
				checked++
				family := name
				if base, ok := strings.CutSuffix(name, "_count"); ok && names[base] {
					family = base
				}
				if !names[family] {
					t.Errorf("%s: %s is not registered by the controller", r.Alert, name)
					continue
				}
				for _, m := range matcherRE.FindAllStringSubmatch(sel[2], -1) {
					label, op, value := m[1], m[2], m[3]
					if label == "job" {
						continue // the scrape's
					}
					have := labelValues(fams[family], label)
					if family == "faas_autoscaler_scale_calls_total" && label == "result" {
						have = scaleResults
					}
					want := []string{value}
					if op == "=~" {
						want = strings.Split(value, "|")
					}
					for _, v := range want {
						if !slices.Contains(have, v) {
							t.Errorf("%s: %s{%s%s%q}: the controller exports %s values %q, not %q", r.Alert, name, label, op, value, label, have, v)
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no selector checked: is the health group generated?")
	}
}

// labelValues lists the values of label in a family's series.
func labelValues(mf *dto.MetricFamily, label string) []string {
	var out []string
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label && !slices.Contains(out, lp.GetValue()) {
				out = append(out, lp.GetValue())
			}
		}
	}
	return out
}
