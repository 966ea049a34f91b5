package dashboards

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the generated files under deploy/grafana instead of comparing")

const grafanaDir = "../deploy/grafana"

type artefact struct {
	path   string
	render func() ([]byte, error)
}

func artefacts() []artefact {
	var out []artefact
	for _, n := range All() {
		out = append(out, artefact{filepath.Join("dashboards", n.File), func() ([]byte, error) { return Render(n.Build()) }})
	}
	dash, ds := ExampleProvisioning("/var/lib/grafana/dashboards/faas-autoscaler", "http://prometheus:9090", "5s")
	out = append(out,
		artefact{"provisioning/dashboards/faas-autoscaler.yaml", func() ([]byte, error) { return RenderYAML(dash) }},
		artefact{"provisioning/datasources/prometheus.yaml", func() ([]byte, error) { return RenderYAML(ds) }})
	return out
}

// TestGolden keeps deploy/grafana equal to the generator's output. Run
// `go test ./dashboards -update` to regenerate.
func TestGolden(t *testing.T) {
	for _, a := range artefacts() {
		t.Run(a.path, func(t *testing.T) {
			got, err := a.render()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(grafanaDir, a.path)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./dashboards -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale (run go test ./dashboards -update); diff -want +got:\n%s", path, cmp.Diff(string(want), string(got)))
			}
		})
	}
}
