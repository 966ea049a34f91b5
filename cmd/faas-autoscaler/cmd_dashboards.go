package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/dashboards"
	"github.com/faas-autoscaler/faas-autoscaler/internal/urlport"
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
	prov := fs.String("provisioning-dir", "", "write an example Grafana provisioning setup under this directory (dashboards/ and datasources/); alone, or also with --dashboard or --dir")
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
	if err := checkProvisioningFlags(*promURL, *scrape, *dashPath); err != nil {
		fmt.Fprintf(stderr, "dashboards: %v\n", err)
		return 2
	}
	switch {
	case *one != "" && *dir != "":
		fmt.Fprintln(stderr, "dashboards: --dashboard and --dir are exclusive")
		return 2
	case *one == "" && *dir == "" && *prov == "":
		fmt.Fprintln(stderr, "dashboards: nothing to write: choose --dashboard NAME or --dir DIR, and/or --provisioning-dir DIR")
		return 2
	}
	var chosen []dashboards.Named
	if *one != "" {
		for _, n := range dashboards.All() {
			if strings.TrimSuffix(n.File, ".json") == *one {
				chosen = append(chosen, n)
			}
		}
		if len(chosen) == 0 {
			fmt.Fprintf(stderr, "dashboards: unknown dashboard %q: want one of %s\n", *one, strings.Join(names, ", "))
			return 2
		}
	}
	// The directories are made before anything is written, so a --dir or
	// --provisioning-dir that cannot be one is refused naming its flag
	// (it was the bare "mkdir /proc/x: …", exit 1, after other output).
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "dashboards: %s\n", genPathErr("--dir", *dir, fmt.Errorf("cannot create it: %w", withoutPath(*dir, err))))
			return 2
		}
	}
	provFiles := []string{"dashboards/faas-autoscaler.yaml", "datasources/prometheus.yaml"}
	if *prov != "" {
		for _, sub := range provFiles {
			if err := os.MkdirAll(filepath.Join(*prov, filepath.Dir(sub)), 0o755); err != nil {
				fmt.Fprintf(stderr, "dashboards: %s\n", genPathErr("--provisioning-dir", *prov, fmt.Errorf("cannot create it: %w", withoutPath(*prov, err))))
				return 2
			}
		}
	}
	// --dashboard prints one to stdout and goes on: --provisioning-dir is
	// "also", so it is written after the dashboard (it was silently
	// skipped, exit 0).
	for _, n := range chosen {
		out, err := dashboards.Render(n.Build())
		if err != nil {
			fmt.Fprintf(stderr, "dashboards: %s: %v\n", *one, err)
			return 1
		}
		if code := genWriteOutput("dashboards", "--dashboard", "-", out, stdout, stderr); code != 0 {
			return code
		}
	}
	if *dir != "" {
		for _, n := range dashboards.All() {
			out, err := dashboards.Render(n.Build())
			if err != nil {
				fmt.Fprintf(stderr, "dashboards: %s: %v\n", n.File, err)
				return 1
			}
			if code := genWriteOutput("dashboards", "--dir", filepath.Join(*dir, n.File), out, stdout, stderr); code != 0 {
				return code
			}
		}
	}
	if *prov != "" {
		dash, ds := dashboards.ExampleProvisioning(*dashPath, *promURL, *scrape)
		for sub, v := range map[string]any{provFiles[0]: dash, provFiles[1]: ds} {
			out, err := dashboards.RenderYAML(v)
			if err != nil {
				fmt.Fprintf(stderr, "dashboards: %v\n", err)
				return 1
			}
			if code := genWriteOutput("dashboards", "--provisioning-dir", filepath.Join(*prov, sub), out, stdout, stderr); code != 0 {
				return code
			}
		}
	}
	return 0
}

// checkProvisioningFlags refuses values the provisioned data source or
// dashboard provider could not use; they were written into it verbatim. The scrape interval stays
// as given (Grafana reads Go-style durations such as 5s or 1m30s), so the
// default output is unchanged.
func checkProvisioningFlags(promURL, scrape, dashPath string) error {
	// An empty path was written as `path: ""` into the dashboard provider,
	// from which Grafana loads nothing.
	if strings.TrimSpace(dashPath) == "" {
		return errors.New("--dashboards-path is empty: want the directory Grafana reads the dashboard JSON files from")
	}
	if d, err := time.ParseDuration(scrape); err != nil || d <= 0 {
		return fmt.Errorf("--scrape-interval %q: want a duration above 0 such as 5s", scrape)
	}
	u, err := url.Parse(promURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("--prometheus-url %q: want an absolute http(s) URL such as http://prometheus:9090", promURL)
	}
	// Written as the data source's url: credentials there were in clear in
	// the provisioning file, and a query or fragment breaks the API paths
	// Grafana joins to it (a review's finding).
	if u.User != nil {
		return errors.New("--prometheus-url must not carry credentials: they would be written in clear into the data source file (set them in Grafana's basicAuth or secureJsonData)")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Errorf("--prometheus-url %q: must not carry a query or a fragment", promURL)
	}
	if !urlport.Valid(u) {
		return fmt.Errorf("--prometheus-url %q: port %s is out of range (1 to 65535)", promURL, u.Port())
	}
	return nil
}
