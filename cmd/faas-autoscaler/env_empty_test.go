package main

import "testing"

// TestEmptyEnvironmentVariableIsUnset: a variable set to the empty string
// (a manifest's `value: ""`, a shell's `dry_run=`) is no value, as the
// OpenFaaS components read theirs, and as this package's tests already
// read them (lookup with a getenv): it does not fail the start, and it
// does not count as a flag given (the embedded default's wiring still
// applies its own defaults).
//
// Seen failing before: "parse with dry_run=\"\" and listen_address=\"\":
// environment variable dry_run=\"\" (for --dry-run): parse error".
func TestEmptyEnvironmentVariableIsUnset(t *testing.T) {
	t.Setenv("dry_run", "")
	t.Setenv("listen_address", "")
	var c runConfig
	e := defineRunFlags(&c)
	if err := e.parse(nil, nil); err != nil {
		t.Fatalf("parse with dry_run=\"\" and listen_address=\"\": %v", err)
	}
	if c.DryRun || c.Listen != ":8080" {
		t.Errorf("dry run %v, listen %q; want the defaults (false, :8080)", c.DryRun, c.Listen)
	}
	if explicit := explicitFlags(e); explicit["listen"] {
		t.Error("an empty listen_address counted as --listen given")
	}
}
