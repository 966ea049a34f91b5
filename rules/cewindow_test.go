package rules

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

// TestCERuleFiresAtTheScrapeInterval: OpenFaaS CE's rule reads
// rate(...[10s]), two scrapes at CE's 5 s. `rules --ce-compatible
// --scrape-interval 15s` (or 10s, 30s) wrote it unchanged, and a 10 s range
// holds one sample at such a scrape: rate() has nothing, and the alert the
// CE route sends to the controller never fires. 20 invocations/s answered
// 200 must fire it at every scrape interval the command accepts.
func TestCERuleFiresAtTheScrapeInterval(t *testing.T) {
	for _, scrape := range []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second} {
		t.Run(Duration(scrape).String(), func(t *testing.T) {
			o := ForScrapeInterval(scrape)
			o.CECompatible = true
			out, err := Render(o)
			if err != nil {
				t.Fatal(err)
			}
			const fn = "figlet.openfaas-fn"
			s := fnScenario{fn: fn, typ: TypeRPS, code: "200", replicas: constant(1), max: 5, load: constant(20)}
			rule := ceCompatibleRule(o)
			labels := maps.Clone(rule.Labels)
			labels["function_name"] = fn
			ann := map[string]string{}
			for k, v := range rule.Annotations {
				ann[k] = strings.ReplaceAll(v, "{{$labels.function_name}}", fn)
			}
			tests := unitTestFile{RuleFiles: []string{"rules.yml"}, EvaluationInterval: Duration(15 * time.Second), // CE's global
				Tests: []unitTestGroup{{Interval: Duration(scrape), InputSeries: s.inputs(scrape),
					AlertRuleTests: []alertTestCase{{EvalTime: Duration(time.Duration(phaseSamples-1) * scrape), Alertname: rule.Alert,
						ExpAlerts: []expAlert{{ExpLabels: labels, ExpAnnotations: ann}}}}}}}
			raw, err := renderUnitTests(tests)
			if err != nil {
				t.Fatal(err)
			}
			promtoolTestRendered(t, out, raw, fmt.Sprintf("%s at a %s scrape", rule.Alert, scrape))
		})
	}
}
