package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGatewayRefusesEmptySecretFile: `gateway --secret-mount-path DIR`
// turns on basic auth for /system/*. An empty basic-auth-user file (a
// Secret made with an empty literal, a `> file` that wrote nothing) started
// the gateway with auth off, since gatewaysim takes an empty user for no
// auth, and served /system/* to anyone; an empty basic-auth-password
// started it with a password of nothing. Both are refused at start, exit 2,
// naming the file and the flag, as the controller refuses the same files
// (provider/openfaas.ReadCredentials, alerts.LoadCredentials).
//
// Seen failing before the fix: with readBasicAuth (no emptiness check) back
// in cmd_gateway.go, both cases ran the second of --duration and exited 0.
func TestGatewayRefusesEmptySecretFile(t *testing.T) {
	for _, tc := range []struct {
		empty, other string
	}{
		{"basic-auth-user", "basic-auth-password"},
		{"basic-auth-password", "basic-auth-user"},
	} {
		t.Run(tc.empty, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tc.empty), []byte(" \n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tc.other), []byte("admin\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stderr := runBinary(t, 10*time.Second, "gateway", "--function", "a", "--listen", "127.0.0.1:0",
				"--secret-mount-path", dir, "--duration", "1s")
			file := filepath.Join(dir, tc.empty)
			if code != 2 || !strings.Contains(stderr, "--secret-mount-path") || !strings.Contains(stderr, file) {
				t.Errorf("gateway --secret-mount-path with an empty %s: exit %d (-1 = still running at the deadline), want 2 naming --secret-mount-path and %s; stderr %q",
					tc.empty, code, file, stderr)
			}
		})
	}
}

// TestGatewayStartsWithSecretFiles: the refusal above is of empty files
// only; a user and a password start the gateway (run for --duration, exit 0).
func TestGatewayStartsWithSecretFiles(t *testing.T) {
	dir := t.TempDir()
	for name, v := range map[string]string{"basic-auth-user": "admin\n", "basic-auth-password": "secret\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, stderr := runBinary(t, 10*time.Second, "gateway", "--function", "a", "--listen", "127.0.0.1:0",
		"--secret-mount-path", dir, "--duration", "500ms")
	if code != 0 {
		t.Errorf("gateway --secret-mount-path with both files set: exit %d, want 0; stderr %q", code, stderr)
	}
}
