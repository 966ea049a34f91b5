package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunctionLabelsTrimmedOrRefused: a --function value or functions-file
// line is read as people write it, with spaces around a comma or '=': the
// key and value of each label are trimmed, so "min=2, max=3" sets max (the
// key kept its leading space, which nothing read, and max stayed the
// default 20). What trimming cannot make a label name, an empty key or one
// with a space inside, is refused, and so is a label given twice on one
// line, as a function given twice is: which value was in force depended on
// the order.
func TestFunctionLabelsTrimmedOrRefused(t *testing.T) {
	for _, tc := range []struct {
		flag     string
		labels   map[string]string
		replicas uint64
	}{
		{"api:com.openfaas.scale.min=2, com.openfaas.scale.max=3",
			map[string]string{"com.openfaas.scale.min": "2", "com.openfaas.scale.max": "3"}, 2},
		{"api:com.openfaas.scale.min = 2 ,\tcom.openfaas.scale.max= 3",
			map[string]string{"com.openfaas.scale.min": "2", "com.openfaas.scale.max": "3"}, 2},
		// The start-up count reads the trimmed value, as the scaler does.
		{"api:com.openfaas.scale.min= 5", map[string]string{"com.openfaas.scale.min": "5"}, 5},
		{"api:com.openfaas.scale.zero=true, ", map[string]string{"com.openfaas.scale.zero": "true"}, 1},
		{"api:team=a b", map[string]string{"team": "a b"}, 1}, // a value may hold a space
		{"api:note=", map[string]string{"note": ""}, 1},
	} {
		var fns functionFlags
		if err := fns.Set(tc.flag); err != nil {
			t.Errorf("--function %q: %v", tc.flag, err)
			continue
		}
		fn := fns[0]
		if !maps.Equal(fn.Labels, tc.labels) || fn.Replicas != tc.replicas || fn.AvailableReplicas != tc.replicas {
			t.Errorf("--function %q: labels %q at %d replicas (%d available), want %q at %d",
				tc.flag, fn.Labels, fn.Replicas, fn.AvailableReplicas, tc.labels, tc.replicas)
		}
	}

	for _, tc := range []struct{ flag, want string }{
		{"api: =3", `label " =3": want key=value`},
		{"api:com.openfaas.scale min=3", `label "com.openfaas.scale min=3": want key=value`},
		{"api:com.openfaas.scale.max", `label "com.openfaas.scale.max": want key=value`},
		{"api:com.openfaas.scale.max=3, com.openfaas.scale.max=9", `label com.openfaas.scale.max is given twice`},
		{"api:com.openfaas.scale.max=3,com.openfaas.scale.max =3", `label com.openfaas.scale.max is given twice`},
	} {
		var fns functionFlags
		if err := fns.Set(tc.flag); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--function %q: error %v, want one with %q", tc.flag, err, tc.want)
		}
	}

	// In a file, the refusal names the file and line.
	path := filepath.Join(t.TempDir(), "functions")
	if err := os.WriteFile(path, []byte("a\nb:com.openfaas.scale.min=1, com.openfaas.scale.min=2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var fns functionFlags
	if err := fns.readFile(path); err == nil || !strings.Contains(err.Error(), path+":2: label com.openfaas.scale.min is given twice") {
		t.Errorf("a label twice on line 2: error %v, want one naming %s:2 and the label", err, path)
	}
}
