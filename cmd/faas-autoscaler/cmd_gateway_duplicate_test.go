package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestGatewayRefusesDuplicateFunction: the same function given twice
// (two --function flags, "a" and "a.openfaas-fn" included, or a flag and
// a line of --functions-file, or two lines) was deployed twice, the second
// replacing the first in silence, so which labels were in force depended
// on the order. It exits 2 naming the function (and the lines) now. One
// name in two namespaces is two functions, and runs.
func TestGatewayRefusesDuplicateFunction(t *testing.T) {
	file := writeTemp(t, "functions", "b\n\nc:com.openfaas.scale.max=3\nb:com.openfaas.scale.max=9\n")
	withA := writeTemp(t, "functions", "c\na.openfaas-fn\n")
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr; "" = runs, exit 0
	}{
		{"two flags", []string{"--function", "a:com.openfaas.scale.max=3", "--function", "a:com.openfaas.scale.max=9"},
			"--function a.openfaas-fn is given twice"},
		{"default namespace spelled out", []string{"--function", "a", "--function", "a.openfaas-fn"},
			"--function a.openfaas-fn is given twice"},
		{"two lines", []string{"--functions-file", file},
			file + ":4: function b.openfaas-fn is given twice (first: line 1)"},
		{"flag and line", []string{"--function", "a", "--functions-file", withA},
			withA + ":2: function a.openfaas-fn is given twice (first: a --function flag)"},
		{"one name in two namespaces", []string{"--function", "a", "--function", "a.team"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"gateway", "--listen", "127.0.0.1:0", "--duration", "1s"}, tc.args...)
			code, stderr := runBinary(t, 10*time.Second, args...)
			if tc.want == "" {
				if code != 0 {
					t.Errorf("%v: exit %d, want 0; stderr %q", tc.args, code, stderr)
				}
				return
			}
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%v: exit %d, want 2 with %q; stderr %q", tc.args, code, tc.want, stderr)
			}
		})
	}
}

// TestRunFunctionsFileRefusesDuplicate: `run --provider memory
// --functions-file` reads the same format, and refuses a function given
// twice the same way, before anything starts.
func TestRunFunctionsFileRefusesDuplicate(t *testing.T) {
	file := writeTemp(t, "functions", "a\na.openfaas-fn:com.openfaas.scale.zero=true\n")
	var out, errb bytes.Buffer
	if got := dispatch([]string{"run", "--provider", "memory", "--functions-file", file, "--listen", "127.0.0.1:0", "--duration", "3s"}, &out, &errb); got != 2 {
		t.Fatalf("exit %d, want 2; stderr %q", got, errb.String())
	}
	if want := file + ":2: function a.openfaas-fn is given twice (first: line 1)"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q does not name %q", errb.String(), want)
	}
}
