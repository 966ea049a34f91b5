package kubernetes

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// ownHPAs serves Deployments from one client and HPAs from another.
type ownHPAs struct {
	kubeapitest.Clientset
	hpas kubeapitest.Clientset
}

func (c ownHPAs) ListHorizontalPodAutoscalers(ctx context.Context, ns string, o metav1.ListOptions) (*autoscalingv1.HorizontalPodAutoscalerList, error) {
	return c.hpas.ListHorizontalPodAutoscalers(ctx, ns, o)
}

func (c ownHPAs) WatchHorizontalPodAutoscalers(ctx context.Context, ns string, o metav1.ListOptions) (watch.Interface, error) {
	return c.hpas.WatchHorizontalPodAutoscalers(ctx, ns, o)
}

// Start says what it waits for, and says it again while it waits: a 401
// is an ERROR naming the credentials (once per progress tick, not a WARN per
// retry), a silent server an INFO with the elapsed time (issue 15, item 7).
//
// Seen failing: before reportProgress the log held only WARN lines, one per
// informer retry, and nothing at INFO or ERROR.
func TestStartReportsWhatItWaitsFor(t *testing.T) {
	for _, c := range []struct {
		name     string
		err      error
		wantLine string
	}{
		{"401", apierrors.NewUnauthorized("token expired"), `level=ERROR msg="the Kubernetes API server refuses the controller's credentials`},
		{"403", apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "", nil), `level=ERROR msg="the Kubernetes API server refuses`},
		{"no answer", nil, `level=INFO msg="still waiting for the Kubernetes API server (no answer yet)"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client := fake.NewClientset()
				hang := make(chan struct{})
				client.PrependReactor("list", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
					if c.err == nil {
						<-hang // an API server that never answers
						return true, nil, context.Canceled
					}
					return true, nil, c.err
				})
				var logs teststack.SyncBuffer
				cfg := DefaultConfig()
				// HPAs from a fake of their own: client-go's fake holds one
				// lock while a reactor runs, so the hung Deployment list
				// would hang the HPA informer too, outside synctest's view.
				cfg.Client = ownHPAs{kubeapitest.From(client), kubeapitest.From(fake.NewClientset())}
				cfg.Server = "https://10.0.0.1:6443"
				cfg.ProgressEvery = time.Second
				cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
				p, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
				defer cancel()
				err = p.Start(ctx)
				close(hang)
				if err == nil {
					t.Fatal("Start synced against a refusing server")
				}
				out := logs.String()
				if !strings.Contains(out, `level=INFO msg="waiting for the Kubernetes API server to list function deployments" waiting_for="deployments (selector \"faas_function\") in namespaces openfaas-fn" server=https://10.0.0.1:6443`) {
					t.Errorf("no first line saying what Start waits for:\n%s", out)
				}
				if n := strings.Count(out, c.wantLine); n < 3 {
					t.Errorf("%d progress lines %q in 3.5 s at 1 s, want 3:\n%s", n, c.wantLine, out)
				}
				if n := strings.Count(out, "level=WARN"); n > 1 {
					t.Errorf("%d WARN lines for one repeated failure, want at most 1:\n%s", n, out)
				}
			})
		})
	}
}
