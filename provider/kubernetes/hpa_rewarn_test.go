package kubernetes

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
)

// revocableHPAs is revocable for HorizontalPodAutoscalers: their list and
// watch refused while the permission is.
type revocableHPAs struct {
	ownHPAs
	permission
}

var errHPARevoked = apierrors.NewForbidden(schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}, "",
	errString(`User "system:serviceaccount:openfaas:faas-autoscaler" cannot list resource "horizontalpodautoscalers" in API group "autoscaling" in the namespace "openfaas-fn"`))

func (c *revocableHPAs) ListHorizontalPodAutoscalers(ctx context.Context, ns string, o metav1.ListOptions) (*autoscalingv1.HorizontalPodAutoscalerList, error) {
	if err := c.call(errHPARevoked); err != nil {
		return nil, err
	}
	return c.ownHPAs.ListHorizontalPodAutoscalers(ctx, ns, o)
}

func (c *revocableHPAs) WatchHorizontalPodAutoscalers(ctx context.Context, ns string, o metav1.ListOptions) (watch.Interface, error) {
	return c.watch(errHPARevoked, func() (watch.Interface, error) { return c.ownHPAs.WatchHorizontalPodAutoscalers(ctx, ns, o) })
}

// TestHPAWatchErrorAfterRecoveryIsWarnedAgain is
// TestWatchErrorAfterRecoveryIsWarnedAgain for the HPA informer: once its
// HPAs were listed, each outage of their list/watch is one WARN (while it
// lasts, a function an HPA starts scaling is not detected, and both would
// write its replicas), though the reflector wraps a refused list and not
// a refused watch.
//
// Seen failing before the HPA informer forgot its failure once the server
// answered and compared failures by what the server said: 2 WARN lines for
// the first outage (its refused watch and refused list told apart by the
// wrapping) and none for the second.
func TestHPAWatchErrorAfterRecoveryIsWarnedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &revocableHPAs{ownHPAs: ownHPAs{kubeapitest.From(fake.NewClientset(newDeployment(fnNS, "echo"))), kubeapitest.From(fake.NewClientset())}}
		out := loggedOutages(t, c, c.refuse, 2)
		warn := `level=WARN msg="horizontalpodautoscaler list/watch failed; the informer retries"`
		if n := strings.Count(out, warn); n != 2 {
			t.Errorf("%d WARN lines for two outages of the same refusal, want 2:\n%s", n, out)
		}
	})
}
