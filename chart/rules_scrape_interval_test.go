package chart

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// rpsWindow is the window of the PrometheusRule's rps recording rule.
func rpsWindow(t *testing.T, docs []doc) time.Duration {
	t.Helper()
	u := operatorObject(t, docs, "PrometheusRule", fullname)
	raw, err := yaml.Marshal(u.Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`function_name:gateway_function_invocation_total:rate([0-9a-z]+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatalf("no rps recording rule in the PrometheusRule:\n%s", raw)
	}
	window, err := time.ParseDuration(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return window
}

// With prometheusRule and gatewayPodMonitor both on, the rules were chosen
// by prometheusRule.scrapeInterval (files/rules-<it>.yml) while the gateway
// was scraped at gatewayPodMonitor.interval when that was set: the chart
// rendered rules for a 5 s scrape (20 s windows) over a gateway it scraped
// every 15 s. `faas-autoscaler rules` refuses such a window for that scrape
// (shorter than three scrapes, not a multiple of the interval): rate() over
// 20 s at a 15 s scrape holds one sample most of the time, so the scaling
// alerts flap or never fire. prometheusRule.scrapeInterval is now the one
// source of truth while the rules are on: a gatewayPodMonitor.interval that
// differs is refused, naming both values and the one to set; an empty or
// equal one renders the rules of the interval the gateway is scraped at.
// Seen failing before the fix: 5s + 15s rendered the 20s rules over the 15s
// scrape (`faas-autoscaler rules --scrape-interval 15s --window 20s` refuses
// it), and likewise every other unequal pair.
func TestRulesMatchTheGatewayScrapeInterval(t *testing.T) {
	for _, rule := range ruleIntervals {
		for _, gw := range append([]time.Duration{0}, ruleIntervals...) {
			ruleIv, gwIv := rules.Dur(rule).String(), ""
			if gw != 0 {
				gwIv = rules.Dur(gw).String()
			}
			t.Run(ruleIv+"/"+gwIv, func(t *testing.T) {
				docs, stderr, ok := renderOrRefusal(t, nil, "prometheusRule.enabled=true", "prometheusRule.scrapeInterval="+ruleIv,
					"gatewayPodMonitor.enabled=true", "gatewayPodMonitor.interval="+gwIv)
				if !ok {
					if gw == 0 || gw == rule {
						t.Fatalf("the chart refuses agreeing intervals:\n%s", stderr)
					}
					for _, w := range []string{"gatewayPodMonitor.interval=" + gwIv + " but prometheusRule.scrapeInterval=" + ruleIv,
						"set prometheusRule.scrapeInterval=" + gwIv} {
						if !strings.Contains(stderr, w) {
							t.Errorf("the refusal lacks %q:\n%s", w, stderr)
						}
					}
					return
				}
				scrape := gatewayScrapeInterval(t, docs)
				window := rpsWindow(t, docs)
				o := rules.ForScrapeInterval(scrape)
				o.Window = window
				verr := o.Validate()
				if window < 3*scrape || window%scrape != 0 || verr != nil {
					t.Errorf("the gateway PodMonitor scrapes every %s but the PrometheusRule's windows are %s (the rules of "+
						"prometheusRule.scrapeInterval); `faas-autoscaler rules --scrape-interval %s --window %s` says: %v; "+
						"`faas-autoscaler rules --scrape-interval %s` uses %s",
						scrape, window, rules.Dur(scrape), rules.Dur(window), verr, rules.Dur(scrape), rules.Dur(rules.ForScrapeInterval(scrape).Window))
				}
				if want := rules.ForScrapeInterval(scrape).Window; window != want {
					t.Errorf("the gateway is scraped every %s but the PrometheusRule's windows are %s; want %s, the rules of that scrape",
						scrape, window, want)
				}
			})
		}
	}
}
