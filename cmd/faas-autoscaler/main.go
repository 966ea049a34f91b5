// Command faas-autoscaler is the autoscaling and scale-to-zero controller for
// OpenFaaS-style function platforms. main only wires; packages decide.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) > 0 && args[0] == "version" {
		fmt.Println("faas-autoscaler", version)
		return 0
	}
	fmt.Fprintln(os.Stderr, "usage: faas-autoscaler run|version")
	return 2
}
