package kubecluster

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// startTimeout bounds a whole cluster start; a loaded 2-core machine needs
// about 4 s, so this only catches a hang.
const startTimeout = 2 * time.Minute

func skipMessage() string {
	return fmt.Sprintf("%s is not set: run `make k8s-tools` (about 7 minutes cold) and export %s, or use `make test-k8s`", EnvBin, EnvBin)
}

// Start starts a cluster for one test and stops it on cleanup. Prefer Shared
// in a package with several tests: each start costs seconds of both cores.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	bin := os.Getenv(EnvBin)
	if bin == "" {
		testenv.SkipOrFail(t, skipMessage()) // CI=true: the Kubernetes tests must run
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := New(ctx, bin, opts)
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop cluster: %v", err)
		}
	})
	return c
}

// Shared is one cluster for a whole test package, started by the first test
// that asks for it (so `go test -run Unit` starts nothing) and stopped by
// Main. Use it as a package variable:
//
//	var cluster kubecluster.Shared
//	func TestMain(m *testing.M) { os.Exit(cluster.Main(m, kubecluster.Options{})) }
//	func TestX(t *testing.T) { c := cluster.Get(t); ... }
type Shared struct {
	opts    Options
	once    sync.Once
	cluster *Cluster
	err     error
}

// Main runs the package's tests, then stops the cluster if one started. It
// returns the exit code for os.Exit.
func (s *Shared) Main(m *testing.M, opts Options) int {
	s.opts = opts
	code := m.Run()
	if s.cluster != nil && code != 0 {
		// The logs die with the cluster's temp dir; a failed CI run needs them.
		fmt.Fprintf(os.Stderr, "kubecluster: tests failed; control-plane log tails:\n%s", s.cluster.Logs(3000))
	}
	if s.cluster != nil {
		if err := s.cluster.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "kubecluster: stop: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Get returns the package's cluster, starting it on first use. It skips the
// test (fails under CI=true) when the binaries are not configured, and fails
// every test when the cluster could not start.
func (s *Shared) Get(t testing.TB) *Cluster {
	t.Helper()
	bin := os.Getenv(EnvBin)
	if bin == "" {
		testenv.SkipOrFail(t, skipMessage()) // CI=true: the Kubernetes tests must run
	}
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		start := time.Now()
		s.cluster, s.err = New(ctx, bin, s.opts)
		if s.err == nil {
			t.Logf("kubecluster: started in %s (controllers: %v)", time.Since(start).Round(time.Millisecond), s.opts.Controllers)
		}
	})
	if s.err != nil {
		t.Fatalf("start cluster: %v", s.err)
	}
	return s.cluster
}

// Namespace creates a namespace named after the test (plus a suffix so
// reruns with -count never collide) and deletes it on cleanup.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(t.Name())
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name)
	if len(name) > 40 {
		name = name[:40]
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: strings.Trim(name, "-") + "-"}}
	ns, err := c.Client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() {
		// Without KCM's namespace controller the namespace stays
		// Terminating; deletion is best-effort tidiness either way.
		_ = c.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}

// ServiceAccountConfig creates (if needed) the ServiceAccount namespace/name,
// mints a token for it with the TokenRequest API and returns a REST config
// that authenticates as that ServiceAccount and nothing more.
func (c *Cluster) ServiceAccountConfig(ctx context.Context, namespace, name string) (*rest.Config, error) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
	_, err := c.Client.CoreV1().ServiceAccounts(namespace).Create(ctx, sa, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create service account %s/%s: %w", namespace, name, err)
	}
	expiry := int64(3600)
	tr, err := c.Client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}},
		metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("token for %s/%s: %w", namespace, name, err)
	}
	cfg := rest.AnonymousClientConfig(c.Config)
	cfg.BearerToken = tr.Status.Token
	return cfg, nil
}
