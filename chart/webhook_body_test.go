package chart

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// webhook.maxBodyBytes becomes --webhook-max-body-bytes, written as a whole
// number however the value arrives: helm reads a number from a values file
// as a float64, which a bare {{ }} prints as 2.097152e+06, a value the
// controller's flag parser refuses (exit 2: the pod crash-loops). Empty
// (null, the default) passes no flag: the controller's default, 1 MiB.
func TestWebhookMaxBodyBytes(t *testing.T) {
	valuesFile := func(body string) []string {
		p := filepath.Join(t.TempDir(), "values.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{p}
	}
	for _, tc := range []struct {
		name   string
		values []string
		sets   []string
		want   string // the flag; "" for none
	}{
		{"default: no flag", nil, nil, ""},
		{"explicit null: no flag", valuesFile("webhook:\n  maxBodyBytes: null\n"), nil, ""},
		{"--set", nil, []string{"webhook.maxBodyBytes=1024"}, "--webhook-max-body-bytes=1024"},
		{"values file, 2 MiB", valuesFile("webhook:\n  maxBodyBytes: 2097152\n"), nil, "--webhook-max-body-bytes=2097152"},
		{"values file, 64 MiB", valuesFile("webhook:\n  maxBodyBytes: 67108864\n"), nil, "--webhook-max-body-bytes=67108864"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := objects[*appsv1.Deployment](decode(t, mustTemplate(t, tc.values, tc.sets...)))[0]
			args := d.Spec.Template.Spec.Containers[0].Args
			i := slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, "--webhook-max-body-bytes") })
			switch {
			case tc.want == "" && i >= 0:
				t.Errorf("args hold %s; want no --webhook-max-body-bytes (the controller's default)", args[i])
			case tc.want != "" && (i < 0 || args[i] != tc.want):
				t.Errorf("args %q; want %s", args, tc.want)
			}
		})
	}
}
