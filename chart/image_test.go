package chart

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The image tag defaults to the chart's appVersion, and the pull policy to
// what names one build: IfNotPresent for a version tag, Always for latest,
// which a node that pulled it once would otherwise run for good, whatever
// is pushed since. An explicit image.pullPolicy wins.
func TestImageTagAndPullPolicy(t *testing.T) {
	const repo = "ghcr.io/faas-autoscaler/faas-autoscaler"
	released := chartCopy(t, map[string]func(string) string{"Chart.yaml": func(chartYAML string) string {
		return strings.Replace(chartYAML, `appVersion: "latest"`, `appVersion: "0.3.0"`, 1)
	}})
	cases := []struct {
		name   string
		chart  string
		sets   []string
		image  string
		policy corev1.PullPolicy
	}{
		{"defaults: appVersion latest", chartDir, nil, repo + ":latest", corev1.PullAlways},
		{"appVersion a release", released, nil, repo + ":0.3.0", corev1.PullIfNotPresent},
		{"a release tag", chartDir, []string{"image.tag=0.3.1"}, repo + ":0.3.1", corev1.PullIfNotPresent},
		{"latest set explicitly", released, []string{"image.tag=latest"}, repo + ":latest", corev1.PullAlways},
		{"an explicit policy wins over latest", chartDir, []string{"image.pullPolicy=IfNotPresent"}, repo + ":latest", corev1.PullIfNotPresent},
		{"an explicit policy wins over a release", released, []string{"image.pullPolicy=Always"}, repo + ":0.3.0", corev1.PullAlways},
		{"another registry", chartDir, []string{"image.repository=registry.example.com/fa", "image.tag=dev-1"},
			"registry.example.com/fa:dev-1", corev1.PullIfNotPresent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"template", releaseName, tc.chart, "--namespace", releaseNS}, setArgs(tc.sets)...)
			out, stderr, err := helm(t, args...)
			if err != nil {
				t.Fatalf("helm %v: %v\n%s", args, err, stderr)
			}
			ds := objects[*appsv1.Deployment](decode(t, out))
			if len(ds) != 1 || len(ds[0].Spec.Template.Spec.Containers) != 1 {
				t.Fatalf("want one Deployment with one container, got %d", len(ds))
			}
			c := ds[0].Spec.Template.Spec.Containers[0]
			if c.Image != tc.image || c.ImagePullPolicy != tc.policy {
				t.Errorf("image %s, pull policy %q; want %s, %q", c.Image, c.ImagePullPolicy, tc.image, tc.policy)
			}
		})
	}
}
