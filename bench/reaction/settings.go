package reaction

import (
	"fmt"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/e2e"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The load step of the issue: 0 → 200 rps on a function sized for 50
// requests per second per replica, replicas cold-starting in 2 s.
const (
	StepRPS   = 200.0
	Target    = 50.0
	ColdStart = 2 * time.Second
	// NeedUp is what the load needs at Target per replica: ceil(200/50).
	// faas-autoscaler sizes for target × target-proportion (0.9) and asks for
	// 5; CE has no target at all.
	NeedUp = 4
	// NeedDown is the minimum both go back to.
	NeedDown = 1
)

// Setting is one configuration under test.
type Setting struct {
	Name string
	// Phase is the period the step's timing is randomised over: the longest
	// of the scrape, evaluation and AlertManager group intervals and the
	// controller's pass interval, so runs land on every phase of those
	// tickers (at a 1 s scrape the 5 s pass is the longest: a step
	// randomised over 1 s fell at much the same point of every pass).
	Phase   time.Duration
	Options func(bin string) e2e.Options
	// DownWindow is the controller's scale-down window in this setting: the
	// figures' 2m unless WithDownWindow says otherwise. The way down is
	// waited for this long plus three minutes.
	DownWindow time.Duration
}

// benchDownWindow is the down window of the published figures (shippedTimings).
const benchDownWindow = 2 * time.Minute

// WithDownWindow is s with the controller's default down window set to w
// (`defaults.down_window`), e.g. the shipped 10m, named so in the report.
func WithDownWindow(s Setting, w time.Duration) Setting {
	opts := s.Options
	s.Name = fmt.Sprintf("%s, down window %s", s.Name, w)
	s.DownWindow = w
	s.Options = func(bin string) e2e.Options {
		o := opts(bin)
		inner := o.Config
		o.Config = func(c *config.Config) {
			if inner != nil {
				inner(c)
			}
			c.Defaults.DownWindow = w
		}
		return o
	}
	return s
}

// shippedTimings undo the e2e harness's test-sized windows: the bench runs
// the controller as shipped (interval 5s, stable 60s, burst 10s) with a 2m
// down window (the figures' setting; the shipped default is 10m, see
// docs/benchmarks.md) and a 30 s scrape gap, on the harness's coverage
// selector. The idler is off: the function does not opt in to zero anyway.
func shippedTimings(c *config.Config) {
	sel := c.Prometheus.CoverageSelector
	*c = config.Default()
	c.Prometheus.CoverageSelector = sel
	c.Defaults.DownWindow = benchDownWindow
	c.Prometheus.MaxScrapeGap = 30 * time.Second
	c.Idler.Enabled = false
}

// ceName starts the name of the CE setting, the baseline of the goals
// (WriteTable).
const ceName = "OpenFaaS CE as shipped"

// ceGrouping is the CE chart's route group_by: one group for all functions.
var ceGrouping = []string{"alertname", "cluster", "service"}

// Settings returns the configurations of the issue, CE first, and our 1 s
// setting with the burst window matched to the rules' window.
func Settings() []Setting {
	return []Setting{
		{
			// OpenFaaS CE as shipped: its APIHighInvocationRate rule and `for:
			// 5s` (the generator's CE-compatible rule, verbatim, and nothing
			// else), the gateway scraped every 5 s and rules evaluated every
			// 15 s, AlertManager 5s / 10s / 30s grouped as the chart does, and
			// the controller reproducing the gateway's alert handler exactly
			// (--ce-defaults: step mode, max 5, factor 10, resolved → min).
			// CE has no periodic loop; with exact CE semantics our loop's ticks
			// hold ("no alert: keep"), so only webhooks act, as in CE.
			Name:       ceName + " (scrape 5s, eval 15s, AM 5s/10s/30s)",
			Phase:      15 * time.Second,
			DownWindow: benchDownWindow, // CE drops to min on the resolved alert: this only sets the way-down wait
			Options: func(bin string) e2e.Options {
				ro := rules.ForScrapeInterval(5 * time.Second)
				ro.CECompatible = true
				am := rules.DefaultAlertmanagerOptions()
				am.CECompatible = true
				am.GroupWait, am.GroupInterval, am.RepeatInterval = 5*time.Second, 10*time.Second, 30*time.Second
				return e2e.Options{
					Binary:         bin,
					ScrapeInterval: 5 * time.Second,
					EvalInterval:   15 * time.Second,
					Rules:          &ro,
					EditRules: func(f *rules.RuleFile) {
						f.Groups = slices.DeleteFunc(f.Groups, func(g rules.RuleGroup) bool { return g.Name != rules.GroupCECompatible })
					},
					Alertmanager: &am,
					EditAlertmanager: func(c *rules.AlertmanagerConfig) {
						ce := fmt.Sprintf("alertname=%q", rules.AlertCEHighInvocationRate)
						c.Route.Routes = slices.DeleteFunc(c.Route.Routes, func(r rules.Route) bool { return !slices.Contains(r.Matchers, ce) })
						for i := range c.Route.Routes {
							c.Route.Routes[i].GroupBy = ceGrouping
						}
					},
					ColdStart: ColdStart,
					PromArgs:  []string{},
					// CE's scaling defaults, as --ce-defaults gives them (the
					// file states every key, so it sets them itself).
					Config: func(c *config.Config) {
						shippedTimings(c)
						c.Defaults = config.FromScaler(scaler.CEDefaults())
					},
				}
			},
		},
		// The recommended timings for a 1 s scrape (deploy/prometheus/README.md):
		// the controller's burst window equals the rules' window (4 s), so the
		// ticks between alerts scale up on four scrapes, not ten.
		ours("faas-autoscaler, scrape 1s, recommended (--burst-window 4s)", time.Second, time.Second, 4*time.Second),
		// The same with the controller's default --burst-window 10s, which
		// suits a 5 s scrape.
		ours("faas-autoscaler, scrape 1s, controller defaults (--burst-window 10s)", time.Second, time.Second, 0),
		ours("faas-autoscaler, scrape 5s (generated rules, eval 1s, AM 0s/5s/30s)", 5*time.Second, 5*time.Second, 0),
	}
}

// ours is faas-autoscaler with the rules generated for the scrape interval
// and the AlertManager timings the deploy README recommends for it
// (group_wait 0 s, group_interval as given, repeat 30 s); burstWindow > 0
// replaces the controller's burst window.
func ours(name string, scrape, groupInterval, burstWindow time.Duration) Setting {
	return Setting{
		Name:       name,
		Phase:      max(scrape, groupInterval, config.Default().Scaler.Interval), // shippedTimings keeps the pass interval
		DownWindow: benchDownWindow,
		Options: func(bin string) e2e.Options {
			ro := rules.ForScrapeInterval(scrape)
			am := rules.DefaultAlertmanagerOptions()
			am.GroupInterval = groupInterval
			return e2e.Options{
				Binary:         bin,
				ScrapeInterval: scrape,
				EvalInterval:   ro.EvaluationInterval,
				Rules:          &ro,
				Alertmanager:   &am,
				ColdStart:      ColdStart,
				PromArgs:       []string{},
				Config: func(c *config.Config) {
					shippedTimings(c)
					if burstWindow > 0 {
						c.Scaler.BurstWindow = burstWindow
					}
				},
			}
		},
	}
}
