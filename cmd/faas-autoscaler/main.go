package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr)) }

// subcommands maps each subcommand to its entry point.
var subcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"run":                 runCmd,
	"rules":               rulesCmd,
	"alertmanager-config": alertmanagerConfigCmd,
	"gateway":             gatewayCmd,
	"dashboards":          dashboardsCmd,
	"sim":                 simCmd,
	"sim-eval":            simEvalCmd,
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-version":
		// As every other subcommand: a stray word is an error, not ignored.
		if len(args) > 1 {
			fmt.Fprintf(stderr, "faas-autoscaler %s: unexpected argument %q\n", args[0], args[1])
			return 2
		}
		fmt.Fprintln(stdout, "faas-autoscaler", version)
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	cmd, ok := subcommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "faas-autoscaler: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: faas-autoscaler <command> [flags]

commands:
  run                  run the controller (no flags: the embedded default demo)
  rules                print Prometheus rules (also: alertmanager-config)
  alertmanager-config  print the AlertManager route and receiver
  dashboards           write the Grafana dashboards
  sim                  replay function traces against scaling policies
  sim-eval             run the evaluation matrix (issue 12) and print its verdicts
  gateway              run the simulated OpenFaaS gateway alone
  version              print the version

Run 'faas-autoscaler <command> -h' for a command's flags.
`)
}
