package dashboards

//lint:file-ignore SA1019 dashboard (v1) JSON is deliberate: Grafana's classic file provisioning reads v1, not the v2 resource schema.

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Named is a dashboard and the file name it is written to.
type Named struct {
	File  string
	Build func() *dashboard.DashboardBuilder
}

// All lists the generated dashboards in a fixed order.
func All() []Named {
	return []Named{
		{"functions-overview.json", Overview},
		{"function-detail.json", Function},
		{"controller-health.json", Controller},
	}
}

// Render builds a dashboard and renders it as indented JSON.
func Render(b *dashboard.DashboardBuilder) ([]byte, error) {
	d, err := b.Build()
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Expressions returns every PromQL expression in a dashboard's JSON: panel
// targets and query variables, for checking against a real Prometheus.
func Expressions(raw []byte) ([]string, error) {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			return nil, fmt.Errorf("panel %q has no queries", p.Title)
		}
		for _, t := range p.Targets {
			if t.Expr == "" {
				return nil, fmt.Errorf("panel %q has an empty query", p.Title)
			}
			out = append(out, t.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if s, ok := v.Query.(string); ok && v.Type == "query" {
			out = append(out, s)
		}
	}
	return out, nil
}
