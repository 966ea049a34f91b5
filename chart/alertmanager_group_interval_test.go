package chart

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// groupIntervalOfScrape is deploy/prometheus/README.md's table: the
// AlertManager group_interval for each scrape interval the chart supports.
var groupIntervalOfScrape = map[string]string{"1s": "1s", "5s": "5s", "15s": "15s"}

// deploy/prometheus/README.md's table pairs a 1 s scrape with AlertManager's
// group_interval 1s (`alertmanager-config --group-interval 1s`) and a 15 s
// scrape with 15s; the AlertmanagerConfig the chart rendered always carried
// the snippet's 5s, generated for a 5 s scrape, even with
// prometheusRule.scrapeInterval=1s, which the chart otherwise follows
// (rules-1s.yml, scaler.burst_window 4s). A function's alert that resolves
// and fires again within a group waited up to 5 s instead of 1 s for its
// notification, five times the delay the 1 s profile is chosen to avoid. The
// chart now ships one generated snippet per scrape interval, and both the
// AlertmanagerConfig and the snippet NOTES print (for a plain AlertManager)
// take the one of the gateway's scrape interval: prometheusRule.scrapeInterval,
// or gatewayPodMonitor.interval with the rules off.
// Seen failing before the fix: with prometheusRule.scrapeInterval=1s the
// groupInterval was 5s (and 5s at 15s too), and NOTES printed group_interval: 5s.
func TestAlertmanagerConfigGroupIntervalFollowsTheScrape(t *testing.T) {
	for scrape, want := range groupIntervalOfScrape {
		for _, via := range [][]string{
			{"prometheusRule.enabled=true", "prometheusRule.scrapeInterval=" + scrape},
			{"gatewayPodMonitor.enabled=true", "gatewayPodMonitor.interval=" + scrape},
		} {
			t.Run(strings.Join(via, ","), func(t *testing.T) {
				amc, _ := oneAlertmanagerConfig(t, nil, append([]string{"alertmanagerConfig.enabled=true"}, via...)...)
				gi, _, _ := unstructured.NestedString(amc.Object, "spec", "route", "groupInterval")
				if gi != want {
					t.Errorf("a %s scrape but the AlertmanagerConfig's groupInterval is %q; deploy/prometheus/README.md's "+
						"table wants %s (alertmanager-config --group-interval %s)", scrape, gi, want, want)
				}
				notes := renderNotes(t, via...)
				if !strings.Contains(notes, "group_interval: "+want+"\n") {
					t.Errorf("a %s scrape but the snippet NOTES print lacks group_interval: %s:\n%s", scrape, want, notes)
				}
			})
		}
	}
}
