package jetstream_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// TestNATSTokenURLShownWithoutToken: NATS's token authentication puts the
// token where a user name goes, nats://<token>@host:4222 (nats.go sends a
// URL user without a password as the auth_token). RedactURL replaces only a
// password (url.URL.Redacted), so the token is printed whole in the
// controller's start line ("queue load from NATS JetStream" url=...), in a
// bad URL's error and in New's connect error. The server below accepts
// exactly that URL as its credential. The source's own reconnect line
// (nats.Conn.ConnectedUrlRedacted, the same url.URL.Redacted) logs it again
// after every NATS restart.
func TestNATSTokenURLShownWithoutToken(t *testing.T) {
	const token = "s3cr3t-token"
	bin := teststack.NeedNATSServer(t)
	client, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	mon, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := fmt.Sprintf("listen: %q\nhttp: %q\njetstream { store_dir: %q }\nauthorization { token: %q }\n",
		client, mon, filepath.Join(dir, "js"), token)
	n := startNATSNode(t, bin, dir, conf, "nats-server")
	if err := teststack.WaitOK("http://"+mon+"/healthz", 30*time.Second, n.done); err != nil {
		t.Fatal(err)
	}
	url := "nats://" + token + "@" + client

	// The URL is a working credential: the read gets past authentication
	// (to the stream, which does not exist here).
	cfg := jetstream.DefaultConfig()
	cfg.URL, cfg.Timeout = url, 5*time.Second
	var logs teststack.SyncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	src, err := jetstream.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Queued(context.Background()); err == nil || !strings.Contains(err.Error(), "stream not found") {
		t.Fatalf("control: Queued with the token URL = %v; want the server's stream-not-found answer (authenticated)", err)
	}

	// NATS restarts: the source reconnects and says where.
	n.stop()
	startNATSNode(t, bin, dir, conf, "nats-server (restarted)") // stopped by its cleanup
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "nats reconnected") {
		if time.Now().After(deadline) {
			t.Fatalf("control: no reconnect logged 20s after the restart; logs:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, token) {
			t.Errorf("the source logged the NATS token: %s", line)
		}
	}

	if got := jetstream.RedactURL(url); strings.Contains(got, token) {
		t.Errorf("RedactURL(%q) = %q: the NATS token is shown whole", url, got)
	}
	bad := jetstream.DefaultConfig()
	bad.URL = "http://" + token + "@nats:4222"
	if err := bad.Validate(); err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("Validate of a bad URL with a token: %v; want an error without the token", err)
	}
}
