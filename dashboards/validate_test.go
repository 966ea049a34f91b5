package dashboards

//lint:file-ignore SA1019 dashboard (v1) JSON is deliberate: Grafana's classic file provisioning reads v1, not the v2 resource schema.

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

var registerPlugins sync.Once

// Validate checks dashboard JSON strictly with the SDK: unknown fields,
// wrong types and missing required fields are errors.
func Validate(raw []byte) error {
	// Strict decoding of panels and queries needs the SDK's plugin registry.
	registerPlugins.Do(plugins.RegisterDefaultPlugins)
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(raw); err != nil {
		// The SDK returns an empty cog.BuildErrors, not nil, on success.
		var be cog.BuildErrors
		if !errors.As(err, &be) || len(be) > 0 {
			return err
		}
	}
	if err := d.Validate(); err != nil {
		var be cog.BuildErrors
		if !errors.As(err, &be) || len(be) > 0 {
			return err
		}
	}
	return nil
}

func committed(t *testing.T, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(grafanaDir, "dashboards", file))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestValidateStrict validates every committed dashboard with the SDK's
// strict decoder and Validate, and checks the house rules the SDK does not:
// fixed UIDs, unique panel IDs, the datasource variable on every query,
// $__rate_interval in every rate, no overlapping panels.
func TestValidateStrict(t *testing.T) {
	uids := map[string]bool{}
	for _, n := range All() {
		t.Run(n.File, func(t *testing.T) {
			raw := committed(t, n.File)
			if err := Validate(raw); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			var d struct {
				UID    string `json:"uid"`
				Panels []struct {
					ID         int    `json:"id"`
					Title      string `json:"title"`
					Datasource struct {
						UID string `json:"uid"`
					} `json:"datasource"`
					GridPos struct{ X, Y, W, H int } `json:"gridPos"`
					Targets []struct {
						Expr       string `json:"expr"`
						Datasource struct {
							UID string `json:"uid"`
						} `json:"datasource"`
					} `json:"targets"`
				} `json:"panels"`
				Templating struct {
					List []struct{ Name string } `json:"list"`
				} `json:"templating"`
			}
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			if d.UID == "" || uids[d.UID] {
				t.Errorf("uid %q empty or reused", d.UID)
			}
			uids[d.UID] = true
			if len(d.Templating.List) == 0 || d.Templating.List[0].Name != "datasource" {
				t.Errorf("first variable is not datasource: %+v", d.Templating.List)
			}
			ids := map[int]bool{}
			cells := map[[2]int]string{}
			for _, p := range d.Panels {
				if ids[p.ID] {
					t.Errorf("panel id %d reused", p.ID)
				}
				ids[p.ID] = true
				if p.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q datasource %q", p.Title, p.Datasource.UID)
				}
				for x := p.GridPos.X; x < p.GridPos.X+p.GridPos.W; x++ {
					for y := p.GridPos.Y; y < p.GridPos.Y+p.GridPos.H; y++ {
						if other, ok := cells[[2]int{x, y}]; ok {
							t.Fatalf("panels %q and %q overlap", other, p.Title)
						}
						cells[[2]int{x, y}] = p.Title
					}
				}
				for _, q := range p.Targets {
					if q.Datasource.UID != "${datasource}" {
						t.Errorf("panel %q query datasource %q", p.Title, q.Datasource.UID)
					}
					if strings.Contains(q.Expr, "rate(") && !strings.Contains(q.Expr, "[$__rate_interval]") {
						t.Errorf("panel %q rate without $__rate_interval: %s", p.Title, q.Expr)
					}
				}
			}
		})
	}
	if _, ok := uids[UIDFunction]; !ok {
		t.Error("function detail dashboard missing")
	}
}

// TestValidateRejects proves the validator can fail: mutated copies of a
// generated dashboard are refused.
func TestValidateRejects(t *testing.T) {
	raw := committed(t, "functions-overview.json")
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"unknown top-level field", func(m map[string]any) { m["bogusField"] = 1 }, "bogusField"},
		{"unknown panel field", func(m map[string]any) { panel(m)["bogusPanelField"] = true }, "bogusPanelField"},
		{"expr renamed", func(m map[string]any) {
			q := panel(m)["targets"].([]any)[0].(map[string]any)
			q["exprr"] = q["expr"]
			delete(q, "expr")
		}, "expr"},
		{"refresh as a number", func(m map[string]any) { m["refresh"] = 5 }, "refresh"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			tc.mutate(m)
			bad, _ := json.Marshal(m)
			err := Validate(bad)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func panel(m map[string]any) map[string]any { return m["panels"].([]any)[0].(map[string]any) }
