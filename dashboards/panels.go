package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// datasource is every panel's and query's data source: the dashboard's
// `datasource` variable, so one JSON works with any Prometheus.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// datasourceVariable lets the user pick the Prometheus data source.
func datasourceVariable() *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus")
}

// query is one PromQL target with its legend.
type query struct {
	expr   string
	legend string
}

// refIDs names targets A, B, C…, as Grafana does.
func refID(i int) string { return string(rune('A' + i)) }

func target(i int, q query) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Datasource(datasource).RefId(refID(i)).
		Expr(q.expr).LegendFormat(q.legend)
}

// layout places panels on a 24-column grid, two per row, in the order they
// are added, so positions are fixed in the JSON. A row is as tall as its
// tallest panel.
type layout struct {
	n, y, rowH uint32
}

func (l *layout) next(width, height uint32) dashboard.GridPos {
	if l.n%2 == 0 && l.n > 0 {
		l.y += l.rowH
		l.rowH = 0
	}
	pos := dashboard.GridPos{W: width, H: height, X: (l.n % 2) * 12, Y: l.y}
	l.rowH = max(l.rowH, height)
	l.n++
	return pos
}

// timeSeries is a time-series panel with the house defaults: a bottom list
// legend and a multi-series tooltip (the SDK's defaults hide both).
func timeSeries(id uint32, title, description, unit string, pos dashboard.GridPos, queries ...query) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Id(id).Title(title).Description(description).Unit(unit).
		Datasource(datasource).GridPos(pos).
		Legend(common.NewVizLegendOptionsBuilder().ShowLegend(true).
			DisplayMode(common.LegendDisplayModeList).Placement(common.LegendPlacementBottom)).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
	for i, q := range queries {
		p.WithTarget(target(i, q))
	}
	return p
}

// countBars is the description's note on a counter drawn as bars. They are
// rates, not increase()s: $__rate_interval is longer than the step (four
// steps at the shipped provisioning's 5 s), so an increase per bar drew one
// call in four bars adding up to more than three calls.
const countBars = "Each bar is the rate over $__rate_interval: bar height × the step is the calls in it."

// unitOverride is the field override setting one query's unit, for a panel
// whose series are not all in its own.
func unitOverride(unit string) []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{{Id: "unit", Value: unit}}
}

// statPanel shows the latest value of one query.
func statPanel(id uint32, title, description, unit string, pos dashboard.GridPos, q query) *stat.PanelBuilder {
	return stat.NewPanelBuilder().Id(id).Title(title).Description(description).Unit(unit).
		Datasource(datasource).GridPos(pos).GraphMode(common.BigValueGraphModeArea).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		WithTarget(target(0, q))
}

// Short names for the panel builder types, which share the name
// PanelBuilder across SDK packages.
type (
	timeseriesPanel  = timeseries.PanelBuilder
	statPanelBuilder = stat.PanelBuilder
)

const drawBars = common.GraphDrawStyleBars
