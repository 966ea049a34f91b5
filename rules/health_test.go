package rules

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// healthGroupOnly renders the health group alone, its rules passed through
// mutate: the mutation tests' rule file (promtool reads it in a tenth of the
// time of the whole file).
func healthGroupOnly(t *testing.T, mutate func(*Rule)) []byte {
	t.Helper()
	rs := healthRules(Defaults())
	for i := range rs {
		mutate(&rs[i])
	}
	out, err := marshalYAML("", RuleFile{Groups: []RuleGroup{{Name: GroupHealth, Interval: Dur(HealthEvaluationInterval), Rules: rs}}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHealthUnitTestsCatchMutations proves the health alerts' unit tests can
// fail: with every alert's `for` gone, its floor of failures gone, or its
// ratio at zero, the committed tests must fail naming each alert the
// mutation changed. One promtool run a mutation: it reports every failing
// test, and each alert's tests are in groups of their own.
func TestHealthUnitTestsCatchMutations(t *testing.T) {
	bin := promtoolBin(t, "")
	tests, err := renderUnitTests(healthUnitTests(Defaults(), "rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	// A ratio alert's expression is "<ratio> > r\nand\n<failures> >= floor".
	mutations := map[string]func(r *Rule){
		"no for": func(r *Rule) { r.For = Dur(0) },
		"no floor": func(r *Rule) {
			if before, _, ok := strings.Cut(r.Expr, "\nand\n"); ok {
				r.Expr = before
			} else if r.Alert == AlertIdlerMissingData {
				// Its floor is its only threshold: any missing answer.
				r.Expr = strings.Replace(r.Expr, fmt.Sprintf(">= %d", idlerMissingFloor), "> 0", 1)
			}
		},
		"no ratio": func(r *Rule) {
			before, after, ok := strings.Cut(r.Expr, "\nand\n")
			if !ok {
				return
			}
			i := strings.LastIndexAny(before, "<>")
			if i < 0 {
				return
			}
			op := ">"
			if before[i+1] == '=' {
				op = ">="
			}
			r.Expr = before[:i] + op + " 0\nand\n" + after
		},
	}
	for _, m := range slices.Sorted(maps.Keys(mutations)) {
		t.Run(m, func(t *testing.T) {
			var changed []string
			rules := healthGroupOnly(t, func(r *Rule) {
				before := *r
				mutations[m](r)
				if r.Expr != before.Expr || *r.For != *before.For {
					changed = append(changed, r.Alert)
				}
			})
			if len(changed) == 0 {
				t.Fatal("the mutation changed no alert")
			}
			dir := t.TempDir()
			writeFile(t, dir, "rules.yml", rules)
			writeFile(t, dir, "unit_test.yml", tests)
			cmd := exec.Command(bin, "test", "rules", "unit_test.yml")
			cmd.Dir = dir
			got, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the health unit tests passed with %s on %v:\n%s", m, changed, got)
			}
			for _, a := range changed {
				if !strings.Contains(string(got), "alertname: "+a+",") {
					t.Errorf("%s of %s: no unit test failed for it:\n%s", m, a, got)
				}
			}
		})
	}
	// The group unmutated passes, so the failures above are the mutations'.
	dir := t.TempDir()
	writeFile(t, dir, "rules.yml", healthGroupOnly(t, func(*Rule) {}))
	writeFile(t, dir, "unit_test.yml", tests)
	run(t, dir, bin, "test", "rules", "unit_test.yml")
}

// TestHealthAlertsNeverReachTheWebhook: the webhook's route matches
// RouteLabel=RouteValue; a health alert with it would be posted to the
// controller as a scaling alert without a function. Each one removes the
// label (an empty rule label), which its series may carry as a target label
// (health_test.yml's ServiceMonitor case shows Prometheus removing it).
func TestHealthAlertsNeverReachTheWebhook(t *testing.T) {
	for _, r := range healthRules(Defaults()) {
		if v, ok := r.Labels[RouteLabel]; !ok || v != "" {
			t.Errorf("%s: %s=%q (set: %v), want it removed (\"\")", r.Alert, RouteLabel, v, ok)
		}
		if s := r.Labels[SeverityLabel]; s != SeverityCritical && s != SeverityWarning {
			t.Errorf("%s: severity %q", r.Alert, s)
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if r.Annotations[a] == "" {
				t.Errorf("%s has no %s", r.Alert, a)
			}
		}
		if r.For == nil || time.Duration(*r.For) < 5*time.Minute {
			t.Errorf("%s: for %v, want 5m or more (a health alert pages a person)", r.Alert, r.For)
		}
	}
}

// TestHealthAlertsSelectTheControllerJob: every series a health alert reads
// is selected by ControllerJob, and only by it (the chart rewrites exactly
// job="faas-autoscaler" into its monitor's job).
func TestHealthAlertsSelectTheControllerJob(t *testing.T) {
	o := Defaults()
	o.ControllerJob = "openfaas/controller"
	f, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	selector := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*\{([^}]*)\}`)
	g := f.Groups[len(f.Groups)-1]
	if g.Name != GroupHealth {
		t.Fatalf("last group %s, want %s", g.Name, GroupHealth)
	}
	for _, r := range g.Rules {
		sels := selector.FindAllStringSubmatch(r.Expr, -1)
		if len(sels) == 0 {
			t.Errorf("%s selects no series: %s", r.Alert, r.Expr)
		}
		for _, s := range sels {
			if !strings.HasPrefix(s[1], `job="openfaas/controller"`) || strings.Count(s[1], "job=") != 1 {
				t.Errorf("%s: selector {%s} is not by the controller's job", r.Alert, s[1])
			}
		}
	}
	o.HealthAlerts = false
	if f, _ := Generate(o); slices.ContainsFunc(f.Groups, func(g RuleGroup) bool { return g.Name == GroupHealth }) {
		t.Error("HealthAlerts false still generates the health group")
	}
}

// TestHealthRunbooksExist: each health alert's runbook_url is a heading of
// docs/reliability.md (GitHub's anchor of "### Name" is the name in lower
// case), so the link an alert carries leads to what to check.
func TestHealthRunbooksExist(t *testing.T) {
	raw, err := os.ReadFile("../docs/reliability.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, r := range healthRules(Defaults()) {
		anchor, ok := strings.CutPrefix(r.Annotations["runbook_url"], RunbookBase)
		if !ok || anchor != strings.ToLower(r.Alert) || !strings.Contains(doc, "\n### "+r.Alert+"\n") {
			t.Errorf("%s: runbook_url %s has no heading ### %s in docs/reliability.md", r.Alert, r.Annotations["runbook_url"], r.Alert)
		}
	}
	if !strings.Contains(doc, "\n## Health alerts\n") {
		t.Error("docs/reliability.md has no section Health alerts (the READMEs link to #health-alerts)")
	}
}
