package faults

import (
	"fmt"
	"os"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/e2e"
)

// controllerBin is built once by TestMain.
var controllerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faas-autoscaler-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	controllerBin, err = e2e.BuildController(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
