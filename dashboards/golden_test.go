package dashboards

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
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
			teststack.Golden(t, filepath.Join(grafanaDir, a.path), got, *update, "go test ./dashboards -update")
		})
	}
}
