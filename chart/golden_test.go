package chart

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/dashboards"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

var update = flag.Bool("update", false, "rewrite the chart's generated files and deploy/kubernetes instead of comparing")

const regen = "go test ./chart -update (make generate)"

// ruleIntervals are the scrape intervals prometheusRule.scrapeInterval
// offers (its schema enum): one generated rule file each.
var ruleIntervals = []time.Duration{time.Second, 5 * time.Second, 15 * time.Second}

// amSnippetFile is the chart's AlertManager snippet for a scrape interval.
func amSnippetFile(scrape time.Duration) string {
	return fmt.Sprintf("files/alertmanager-snippet-%s.yml", rules.Dur(scrape))
}

// chartFile is one file under faas-autoscaler/files that a generator writes.
type chartFile struct {
	path   string
	render func() ([]byte, error)
}

func chartFiles() []chartFile {
	var out []chartFile
	for _, d := range ruleIntervals {
		out = append(out, chartFile{fmt.Sprintf("files/rules-%s.yml", rules.Dur(d)), func() ([]byte, error) {
			return rules.Render(rules.ForScrapeInterval(d))
		}})
	}
	// One AlertManager snippet per scrape interval: deploy/prometheus/README.md's
	// table pairs each scrape with a group_interval of the same length
	// (`alertmanager-config --group-interval 1s` at a 1 s scrape); the chart
	// once shipped the default's 5s alone, for every scrape.
	for _, d := range ruleIntervals {
		out = append(out, chartFile{amSnippetFile(d), func() ([]byte, error) {
			o := rules.DefaultAlertmanagerOptions()
			o.GroupInterval = d
			return rules.RenderAlertmanager(o)
		}})
	}
	for _, n := range dashboards.All() {
		out = append(out, chartFile{"files/dashboards/" + n.File, func() ([]byte, error) { return dashboards.Render(n.Build()) }})
	}
	return out
}

// TestGoldenChartFiles keeps the chart's rules, AlertManager snippet and
// dashboards equal to the generators' output: the chart embeds them and
// never a hand copy.
func TestGoldenChartFiles(t *testing.T) {
	want := map[string]bool{}
	for _, f := range chartFiles() {
		want[f.path] = true
		t.Run(f.path, func(t *testing.T) {
			got, err := f.render()
			if err != nil {
				t.Fatal(err)
			}
			teststack.Golden(t, filepath.Join(chartDir, f.path), got, *update, regen)
		})
	}
	// A file no generator writes any more is stale too.
	err := filepath.WalkDir(filepath.Join(chartDir, "files"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, p)
		if !want[filepath.ToSlash(rel)] {
			if *update {
				return os.Remove(p)
			}
			t.Errorf("%s is written by no generator: remove it (%s)", p, regen)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// baseDir is the kustomize base, generated from the chart's default render.
const baseDir = "../deploy/kubernetes"

// baseHeader starts every generated base file.
const baseHeader = "# Generated from chart/faas-autoscaler/%s by `make generate` (helm template with\n" +
	"# the chart's defaults, release faas-autoscaler in openfaas); do not edit: change the chart.\n"

// helmOnly are label lines that mean nothing outside a Helm release.
var helmOnly = regexp.MustCompile(`(?m)^\s+(helm\.sh/chart|app\.kubernetes\.io/managed-by): .*\n`)

// baseFiles renders the chart with its defaults and groups the documents by
// template into deploy/kubernetes/<template>.yaml, without Helm's own labels.
func baseFiles(t *testing.T) (names []string, files map[string][]byte) {
	t.Helper()
	out := mustTemplate(t, nil)
	files = map[string][]byte{}
	for _, d := range decode(t, out) {
		name := strings.TrimPrefix(d.Source, "templates/")
		if name == d.Source || name == "" {
			t.Fatalf("document without a template source:\n%s", d.Text)
		}
		if _, ok := files[name]; !ok {
			names = append(names, name)
			files[name] = fmt.Appendf(nil, baseHeader, d.Source)
		} else {
			files[name] = append(files[name], "---\n"...)
		}
		var body []string
		for line := range strings.SplitSeq(strings.TrimRight(string(d.Text), "\n"), "\n") {
			if !strings.HasPrefix(line, "# Source: ") {
				body = append(body, line)
			}
		}
		files[name] = append(files[name], helmOnly.ReplaceAllString(strings.Join(body, "\n")+"\n", "")...)
	}
	return names, files
}

// TestGoldenKustomizeBase: deploy/kubernetes is the chart's default render, so
// `kubectl apply -k` and `helm install` cannot drift apart; kustomization.yaml
// lists exactly those files, in helm's install order.
func TestGoldenKustomizeBase(t *testing.T) {
	names, files := baseFiles(t)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			teststack.Golden(t, filepath.Join(baseDir, n), files[n], *update, regen)
		})
	}
	k, err := os.ReadFile(filepath.Join(baseDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	inRes := false
	for line := range strings.SplitSeq(string(k), "\n") {
		switch {
		case strings.HasPrefix(line, "resources:"):
			inRes = true
		case inRes && strings.HasPrefix(line, "  - "):
			listed = append(listed, strings.TrimPrefix(line, "  - "))
		case inRes && line != "" && !strings.HasPrefix(line, " "):
			inRes = false
		}
	}
	if !slices.Equal(listed, names) {
		t.Errorf("kustomization.yaml resources = %v; want the generated files %v", listed, names)
	}
	// Every other YAML file in the base is generated or a known example.
	entries, err := os.ReadDir(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".yaml") || n == "kustomization.yaml" || n == "secret.example.yaml" || files[n] != nil {
			continue
		}
		t.Errorf("%s/%s is not generated from the chart: remove it or add a template", baseDir, n)
	}
}
