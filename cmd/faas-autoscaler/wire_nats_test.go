package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBadNATSFlags: a bad JetStream setting exits 2 naming it; --nats-url
// needs a Prometheus-backed provider.
func TestBadNATSFlags(t *testing.T) {
	base := []string{"run", "--gateway-url", "http://gw:8080", "--prometheus-url", "http://p:9090"}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"not a nats url", []string{"--nats-url", "http://nats:4222"}, `nats url "http://nats:4222"`},
		// The password never reaches the terminal or the logs.
		{"not a nats url, with a password", []string{"--nats-url", "http://q:s3cr3t@nats:4222"}, `nats url "http://q:xxxxx@nats:4222"`},
		{"wildcard subject", []string{"--nats-url", "nats://nats:4222", "--nats-subject", "faas-request.>"}, `nats subject "faas-request.>"`},
		{"dotted stream", []string{"--nats-url", "nats://nats:4222", "--nats-stream", "a.b"}, `nats stream "a.b"`},
		{"timeout", []string{"--nats-url", "nats://nats:4222", "--nats-timeout", "0s"}, "nats timeout must be > 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := dispatch(append(append([]string{}, base...), c.args...), &out, &errb); got != 2 {
				t.Fatalf("exit = %d, want 2; stderr %q", got, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) || !strings.Contains(errb.String(), "--nats-url") {
				t.Errorf("stderr %q does not name %q", errb.String(), c.want)
			}
		})
	}
	var out, errb bytes.Buffer
	if got := dispatch([]string{"run", "--provider", "memory", "--nats-url", "nats://nats:4222"}, &out, &errb); got != 2 ||
		!strings.Contains(errb.String(), "--nats-url needs --provider openfaas or kubernetes") {
		t.Fatalf("memory provider with --nats-url: exit %d, stderr %q", got, errb.String())
	}
}
