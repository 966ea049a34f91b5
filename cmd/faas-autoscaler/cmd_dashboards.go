package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/faas-autoscaler/faas-autoscaler/dashboards"
)

// dashboardsCmd implements `faas-autoscaler dashboards`: it writes the
// Grafana dashboards as JSON, one to stdout or all to a directory, and
// optionally an example Grafana provisioning setup.
func dashboardsCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dashboards", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	for _, n := range dashboards.All() {
		names = append(names, strings.TrimSuffix(n.File, ".json"))
	}
	one := fs.String("dashboard", "", "print one dashboard to stdout: "+strings.Join(names, ", "))
	dir := fs.String("dir", "", "write every dashboard as <dir>/<name>.json")
	prov := fs.String("provisioning-dir", "", "also write an example Grafana provisioning setup under this directory (dashboards/ and datasources/)")
	dashPath := fs.String("dashboards-path", "/var/lib/grafana/dashboards/faas-autoscaler", "where Grafana finds the JSON files (provisioning)")
	promURL := fs.String("prometheus-url", "http://prometheus:9090", "Prometheus URL of the provisioned data source")
	scrape := fs.String("scrape-interval", "5s", "scrape interval of the provisioned data source ($__rate_interval is 4× it)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dashboards: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	switch {
	case *one != "" && *dir != "":
		fmt.Fprintln(stderr, "dashboards: --dashboard and --dir are exclusive")
		return 2
	case *one == "" && *dir == "" && *prov == "":
		fmt.Fprintln(stderr, "dashboards: choose one of --dashboard NAME or --dir DIR")
		return 2
	}
	if *one != "" {
		for _, n := range dashboards.All() {
			if strings.TrimSuffix(n.File, ".json") == *one {
				out, err := dashboards.Render(n.Build())
				if err != nil {
					fmt.Fprintf(stderr, "dashboards: %s: %v\n", *one, err)
					return 1
				}
				return genWriteOutput("dashboards", "-", out, stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "dashboards: unknown dashboard %q: want one of %s\n", *one, strings.Join(names, ", "))
		return 2
	}
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "dashboards: %v\n", err)
			return 1
		}
		for _, n := range dashboards.All() {
			out, err := dashboards.Render(n.Build())
			if err != nil {
				fmt.Fprintf(stderr, "dashboards: %s: %v\n", n.File, err)
				return 1
			}
			if code := genWriteOutput("dashboards", filepath.Join(*dir, n.File), out, stdout, stderr); code != 0 {
				return code
			}
		}
	}
	if *prov != "" {
		dash, ds := dashboards.ExampleProvisioning(*dashPath, *promURL, *scrape)
		for sub, v := range map[string]any{"dashboards/faas-autoscaler.yaml": dash, "datasources/prometheus.yaml": ds} {
			out, err := dashboards.RenderYAML(v)
			if err != nil {
				fmt.Fprintf(stderr, "dashboards: %v\n", err)
				return 1
			}
			path := filepath.Join(*prov, sub)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				fmt.Fprintf(stderr, "dashboards: %v\n", err)
				return 1
			}
			if code := genWriteOutput("dashboards", path, out, stdout, stderr); code != 0 {
				return code
			}
		}
	}
	return 0
}
