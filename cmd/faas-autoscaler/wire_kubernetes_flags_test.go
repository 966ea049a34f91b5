package main

import (
	"strings"
	"testing"
	"time"
)

// TestBadSelectorOrNamespaceExitsTwo: README ("Flags of faas-autoscaler
// run"): "A bad value exits with status 2 and names the flag". A --selector
// the label parser refuses, or a --namespaces entry that is no namespace
// name, was only found while wiring the Kubernetes provider (kubernetes.New)
// and returned as a plain error: exit 1, the run-time failure a kubelet
// restarts for ever, naming neither flag. Found by a review helper.
func TestBadSelectorOrNamespaceExitsTwo(t *testing.T) {
	kc := unreachableKubeconfig(t)
	for _, tc := range []struct {
		name string
		args []string
		flag string
	}{
		{"selector", []string{"--selector", "faas_function in ("}, "--selector"},
		{"namespace", []string{"--namespaces", "openfaas_fn"}, "--namespaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--provider", "kubernetes", "--kubeconfig", kc,
				"--prometheus-url", "http://127.0.0.1:1", "--webhook-auth", "none", "--listen", "127.0.0.1:0",
				"--duration", "3s"}, tc.args...)
			code, stderr := runBinary(t, 20*time.Second, args...)
			if code != 2 || !strings.Contains(stderr, tc.flag) {
				t.Errorf("exit %d, want 2 naming %s; stderr:\n%s", code, tc.flag, logTail(stderr))
			}
		})
	}
}
