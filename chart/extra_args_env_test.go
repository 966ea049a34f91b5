package chart

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// TestExtraArgsAndEnv: values.yaml told operators the controller's memory
// settings (GOMEMLIMIT, GOGC, --memory-limit-ratio, --gc-percent) win over
// each other, but the chart had no value to set any of them: extraArgs go
// after the chart's own arguments, env into the container; neither is
// rendered when empty, and the schema refuses an env entry without a name.
func TestExtraArgsAndEnv(t *testing.T) {
	d := objects[*appsv1.Deployment](decode(t, mustTemplate(t, nil)))[0]
	c := d.Spec.Template.Spec.Containers[0]
	base := c.Args
	if len(c.Env) != 0 {
		t.Errorf("env rendered with no env value: %v", c.Env)
	}

	values := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(values, []byte(`extraArgs: ["--memory-limit-ratio=0.8", "--gc-percent=100"]
env:
  - name: GOMEMLIMIT
    value: 200MiB
  - name: POD_NAME
    valueFrom: {fieldRef: {fieldPath: metadata.name}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	d = objects[*appsv1.Deployment](decode(t, mustTemplate(t, []string{values})))[0]
	c = d.Spec.Template.Spec.Containers[0]
	want := append(slices.Clone(base), "--memory-limit-ratio=0.8", "--gc-percent=100")
	if !slices.Equal(c.Args, want) {
		t.Errorf("args with extraArgs:\n got %q\nwant %q", c.Args, want)
	}
	if len(c.Env) != 2 || c.Env[0].Name != "GOMEMLIMIT" || c.Env[0].Value != "200MiB" ||
		c.Env[1].ValueFrom == nil || c.Env[1].ValueFrom.FieldRef == nil || c.Env[1].ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("env: %+v", c.Env)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("env:\n  - value: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := template(t, []string{bad}); err == nil || !strings.Contains(string(stderr), "name") {
		t.Errorf("env entry without a name: err %v, stderr %s; want the schema's refusal naming it", err, stderr)
	}
}
