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

	rotate := func(pass string) {
		writeSecret(pass)
		g.mu.Lock()
		g.pass = pass
		g.mu.Unlock()
	}
	rotate("new")
	before := g.requestCount()
	if err := cl.Scale(t.Context(), ref, 3); err != nil {
		t.Fatalf("Scale after the rotation: %v", err)
	}
	if _, err := cl.Functions(t.Context(), "openfaas-fn"); err != nil {
		t.Errorf("Functions after the rotation: %v", err)
	}
	// The scale refused and sent again, then the listing without a 401.
	if n := g.requestCount() - before; n != 3 {
		t.Errorf("%d requests for a scale and a listing after the rotation, want 3", n)
	}

	// Concurrent calls that all got a 401 each send again once: each
	// compares the files with the credentials it was sent with, not with
	// those another call has just put in use.
	rotate("newer")
	before = g.requestCount()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := cl.Scale(t.Context(), ref, uint64(2+i%2)); err != nil {
				t.Errorf("concurrent Scale after a rotation: %v", err)
			}
		})
	}
	wg.Wait()
	// Each call is one request, or two when it was sent before the new
	// credentials were read; the first one sent always is.
	if n := g.requestCount() - before; n < 5 || n > 8 {
		t.Errorf("%d requests for 4 concurrent scales after a rotation, want 5 to 8", n)
	}

	// A 401 with the files unchanged is returned, after one request.
	g.mu.Lock()
	g.pass = "other"
	g.mu.Unlock()
	before = g.requestCount()
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
