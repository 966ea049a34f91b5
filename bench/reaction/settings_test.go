package reaction

import (
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// TestSelectSettings: REACTION_ONLY keeps the settings it names;
// REACTION_DOWN_WINDOW reaches faas-autoscaler's configuration (and the
// way-down wait), never CE's; bad values are errors naming the variable.
func TestSelectSettings(t *testing.T) {
	all := Settings()
	got, err := selectSettings(all, "scrape 5s", "10m")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("scrape 5s kept %d settings, want CE's and ours", len(got))
	}
	for _, s := range got {
		var c config.Config
		s.Options("bin").Config(&c)
		ours := strings.HasPrefix(s.Name, "faas-autoscaler")
		switch {
		case ours && (c.Defaults.DownWindow != 10*time.Minute || s.DownWindow != 10*time.Minute ||
			!strings.HasSuffix(s.Name, "down window 10m0s")):
			t.Errorf("%s: down window %s (wait %s), want 10m", s.Name, c.Defaults.DownWindow, s.DownWindow)
		case !ours && (s.DownWindow != benchDownWindow || strings.Contains(s.Name, "down window")):
			t.Errorf("CE's setting changed: %s, %s", s.Name, s.DownWindow)
		}
	}
	plain, err := selectSettings(all, "", "")
	if err != nil || len(plain) != len(all) {
		t.Fatalf("no filter: %d settings, %v; want all %d", len(plain), err, len(all))
	}
	for _, s := range plain {
		var c config.Config
		s.Options("bin").Config(&c)
		if strings.HasPrefix(s.Name, "faas-autoscaler") && c.Defaults.DownWindow != benchDownWindow {
			t.Errorf("%s: down window %s without the variable, want the figures' %s", s.Name, c.Defaults.DownWindow, benchDownWindow)
		}
	}
	for _, bad := range []struct{ only, dw, want string }{
		{"no such setting", "", envOnly},
		{"", "ten minutes", envDownWindow},
		{"", "-1m", envDownWindow},
	} {
		if _, err := selectSettings(all, bad.only, bad.dw); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("only %q, down window %q: %v, want an error naming %s", bad.only, bad.dw, err, bad.want)
		}
	}
}

// Every setting randomises its step over the longest of the tickers that
// decide when a reaction can happen — scrape, rule evaluation, AlertManager
// group interval and the controller's pass — so the medians are over every
// phase of each. Seen failing before the fix: the 1 s settings' phase was
// 1 s, their pass interval 5 s.
func TestPhaseCoversEveryTicker(t *testing.T) {
	for _, s := range Settings() {
		o := s.Options("bin")
		var c config.Config
		o.Config(&c)
		tickers := map[string]time.Duration{"scrape": o.ScrapeInterval, "evaluation": o.EvalInterval, "pass": c.Scaler.Interval}
		if o.Alertmanager != nil {
			tickers["AlertManager group"] = o.Alertmanager.GroupInterval
		}
		for name, d := range tickers {
			if s.Phase < d {
				t.Errorf("%s: phase %s is shorter than the %s interval %s", s.Name, s.Phase, name, d)
			}
		}
	}
}
