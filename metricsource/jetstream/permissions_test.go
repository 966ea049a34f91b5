package jetstream_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// startNATSWithUser starts a nats-server (JetStream on) whose one user,
// reader:pw, has the given permissions block, and returns the URL with the
// user in it.
func startNATSWithUser(t *testing.T, permissions string) string {
	t.Helper()
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
	conf := fmt.Sprintf(`listen: %q
http: %q
jetstream { store_dir: %q }
authorization { users = [ { user: reader, password: pw, permissions: { %s } } ] }
`, client, mon, filepath.Join(dir, "js"), permissions)
	n := startNATSNode(t, bin, dir, conf, "nats-server")
	if err := teststack.WaitOK("http://"+mon+"/healthz", 30*time.Second, n.done); err != nil {
		t.Fatal(err)
	}
	return "nats://reader:pw@" + client
}

// TestQueuedPermissionDenied: a NATS user that may not publish the
// consumer-list request, or subscribe to the reply inbox, is refused by the
// server with an -ERR beside the request, which itself only times out. The
// read failed with "context deadline exceeded", each time, as if the server
// were slow: the error now says what the server refused and which
// permissions the user needs.
//
// Seen failing before: `Queued error "list consumers of stream
// faas-request: context deadline exceeded"; want it to contain
// "permissions violation"`.
func TestQueuedPermissionDenied(t *testing.T) {
	for _, tc := range []struct{ name, permissions, refused string }{
		{"publish", `publish: { deny: ["$JS.API.CONSUMER.LIST.>"] }`, `Publish to "$JS.API.CONSUMER.LIST.faas-request"`},
		{"subscribe", `subscribe: { deny: ["_INBOX.>"] }`, `Subscription to "_INBOX.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := jetstream.DefaultConfig()
			cfg.URL = startNATSWithUser(t, tc.permissions)
			cfg.Timeout = time.Second // the refused request ends by its timeout
			src, err := jetstream.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			// Twice: the server refuses a subscription once per
			// connection, and the second read must say so too.
			for read := 1; read <= 2; read++ {
				got, err := src.Queued(context.Background())
				if err == nil {
					t.Fatalf("read %d: Queued = %v, nil; want the server's refusal", read, got)
				}
				for _, want := range []string{"permissions violation", tc.refused, "the nats user needs permission to publish to $JS.API.CONSUMER.LIST.faas-request"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("read %d: Queued error %q; want it to contain %q", read, err, want)
					}
				}
			}
		})
	}
}
