package e2e

import (
	"fmt"
	"os"
	"testing"
)

// controllerBin is the controller binary the scenarios run, built once per
// package by TestMain.
var controllerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faas-autoscaler-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	controllerBin, err = BuildController(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
