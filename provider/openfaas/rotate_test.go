package openfaas

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRotatedSecretIsReadAgain: the gateway's basic-auth secret is rotated
// (the kubelet rewrites the mounted files, the gateway restarts with the new
// password). The credentials read at start were refused with 401 until the
// controller restarted: no listing, no scale. After a 401 the client reads
// the files again and, when they changed, sends the request once more.
//
// Seen failing with the re-read disabled: "Scale after the rotation:
// openfaas scale figlet.openfaas-fn: HTTP 401 Unauthorized (provider
// rejected the credentials)".
func TestRotatedSecretIsReadAgain(t *testing.T) {
	dir := t.TempDir()
	writeSecret := func(pass string) {
		for name, v := range map[string]string{UserFile: "admin\n", PasswordFile: pass + "\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeSecret("old")
	g := newFakeGateway(faasNetes)
	g.user, g.pass = "admin", "old"
	g.deploy(fig("openfaas-fn", 1))
	cl := newTestClient(t, g.start(t, "").URL, func(c *Config) {
		c.Username, c.Password = "admin", "old"
		c.Credentials = func() (string, string, error) { return ReadCredentials(dir) }
	})
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	if err := cl.Scale(t.Context(), ref, 2); err != nil {
		t.Fatalf("Scale before the rotation: %v", err)
	}

	writeSecret("new")
	g.mu.Lock()
	g.pass = "new"
	g.mu.Unlock()
	// Concurrent calls that all get a 401 each send again once.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := cl.Scale(t.Context(), ref, uint64(2+i%2)); err != nil {
				t.Errorf("Scale after the rotation: %v", err)
			}
		})
	}
	wg.Wait()
	if _, err := cl.Functions(t.Context(), "openfaas-fn"); err != nil {
		t.Errorf("Functions after the rotation: %v", err)
	}
	// 1 before, 4 refused + 4 sent again, then the listing without a 401.
	if n := g.requestCount(); n != 10 {
		t.Errorf("%d requests, want 10", n)
	}

	// A 401 with the files unchanged is returned, after one request.
	g.mu.Lock()
	g.pass = "other"
	g.mu.Unlock()
	before := g.requestCount()
	err := cl.Scale(t.Context(), ref, 1)
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("Scale with a password the files do not hold = %v, want ErrUnauthorized", err)
	}
	if n := g.requestCount() - before; n != 1 {
		t.Errorf("%d requests for a refused scale with unchanged files, want 1", n)
	}
	// Unreadable files keep the credentials in use.
	if err := os.Remove(filepath.Join(dir, PasswordFile)); err != nil {
		t.Fatal(err)
	}
	if err := cl.Scale(t.Context(), ref, 1); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("Scale with the secret files gone = %v, want ErrUnauthorized", err)
	}
}
