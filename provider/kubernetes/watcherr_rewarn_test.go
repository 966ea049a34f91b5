package kubernetes

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// permission is an RBAC grant that can be taken away and given back: while
// refused, calls through it answer its refusal, and refusing ends the
// watches it let through (as an API server restart would).
type permission struct {
	mu      sync.Mutex
	refused bool
	watches []watch.Interface
}

func (g *permission) refuse(on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refused = on
	if on {
		for _, w := range g.watches {
			w.Stop()
		}
		g.watches = nil
	}
}

// call is refusal while refused, else nil.
func (g *permission) call(refusal error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refused {
		return refusal
	}
	return nil
}

// watch opens a watch through the permission, or answers refusal while refused.
func (g *permission) watch(refusal error, open func() (watch.Interface, error)) (watch.Interface, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refused {
		return nil, refusal
	}
	w, err := open()
	if err == nil {
		g.watches = append(g.watches, w)
	}
	return w, err
}

// revocable is a fake API server whose RBAC on Deployments can be taken
// away and given back: while refused, lists and watches of Deployments
// answer 403.
type revocable struct {
	ownHPAs
	permission
}

var errRevoked = apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "",
	errString(`User "system:serviceaccount:openfaas:faas-autoscaler" cannot list resource "deployments" in API group "apps" in the namespace "openfaas-fn"`))

type errString string

func (e errString) Error() string { return string(e) }

func (c *revocable) ListDeployments(ctx context.Context, ns string, o metav1.ListOptions) (*appsv1.DeploymentList, error) {
	if err := c.call(errRevoked); err != nil {
		return nil, err
	}
	return c.ownHPAs.ListDeployments(ctx, ns, o)
}

func (c *revocable) WatchDeployments(ctx context.Context, ns string, o metav1.ListOptions) (watch.Interface, error) {
	return c.watch(errRevoked, func() (watch.Interface, error) { return c.ownHPAs.WatchDeployments(ctx, ns, o) })
}

// A list/watch failure that comes back after the informer recovered is
// news again: the cache the scaler and the idler read has stopped
// following the cluster a second time. One outage is one WARN, though the
// reflector wraps a refused list ("failed to list *v1.Deployment: ...")
// and not a refused watch.
//
// Seen failing before the fix: 3 WARN lines (the second outage's refused
// watch and refused list told apart by the wrapping); with the wrapping
// seen through but the failure kept for ever, 1 (the second outage only
// at DEBUG, "failed again").
// Found by a review helper.
func TestWatchErrorAfterRecoveryIsWarnedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &revocable{ownHPAs: ownHPAs{kubeapitest.From(fake.NewClientset(newDeployment(fnNS, "echo"))), kubeapitest.From(fake.NewClientset())}}
		c.refuse(true)
		p, logs := newLogged(t, c)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		started := make(chan error, 1)
		go func() { started <- p.Start(ctx) }()

		time.Sleep(10 * time.Second) // refused: the informer retries
		c.refuse(false)
		if err := <-started; err != nil {
			t.Fatalf("Start after the refusal ended: %v", err)
		}
		time.Sleep(time.Minute) // following the cluster
		c.refuse(true)
		time.Sleep(time.Minute) // refused again

		out := logs.String()
		warn := `level=WARN msg="deployment list/watch failed; the informer retries"`
		if n := strings.Count(out, warn); n != 2 {
			t.Errorf("%d WARN lines for two outages of the same refusal, want 2:\n%s", n, out)
		}
		cancel()
	})
}

// loggedOutages starts a provider on c and waits for its sync, then takes
// refuse through n outages of a minute, a minute apart, and returns what
// it logged at INFO and above. Call it inside a synctest bubble.
func loggedOutages(t *testing.T, c kubeapi.Deployments, refuse func(bool), n int) string {
	t.Helper()
	p, logs := newLogged(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for range n {
		refuse(true)
		time.Sleep(time.Minute)
		refuse(false)
		time.Sleep(time.Minute)
	}
	return logs.String()
}

// newLogged is a provider on c that logs at INFO and above into the
// returned buffer (progress lines an hour apart: none in these tests).
func newLogged(t *testing.T, c kubeapi.Deployments) (*Provider, *teststack.SyncBuffer) {
	t.Helper()
	logs := new(teststack.SyncBuffer)
	cfg := DefaultConfig()
	cfg.Client = c
	cfg.ProgressEvery = time.Hour
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, logs
}
