package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// InCI reports whether the tests run in CI (CI=true), where every tool and
// data set the suite uses must be present.
func InCI() bool { return os.Getenv("CI") == "true" }

// SkipOrFail skips the test with msg, or fails it under CI=true.
func SkipOrFail(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatal(msg + " (CI=true: it must be there)")
	}
	t.Skip(msg)
}

// LookPath returns the path of the first of names found on PATH, or skips
// the test (fails it under CI=true) saying hint, which should tell how to
// get the tool.
func LookPath(t testing.TB, hint string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	SkipOrFail(t, "none of "+strings.Join(names, ", ")+" found on PATH; "+hint)
	return ""
}

// EnvPath returns the path environment variable env names, or skips the
// test (fails it under CI=true) when it is unset or names nothing.
func EnvPath(t testing.TB, env, hint string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		SkipOrFail(t, env+" is not set; "+hint)
		return ""
	}
	if _, err := os.Stat(p); err != nil {
		SkipOrFail(t, env+"="+p+": "+err.Error()+"; "+hint)
	}
	return p
}

// NeedPath skips the test (fails it under CI=true) when path does not
// exist, as for data sets kept outside the repository.
func NeedPath(t testing.TB, path, hint string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		SkipOrFail(t, path+" is not here ("+err.Error()+"); "+hint)
	}
}
