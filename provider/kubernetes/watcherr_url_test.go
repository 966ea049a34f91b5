package kubernetes

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
)

// refusedAsClient is unreachable with the refusal the real client returns:
// a url.Error naming the request's whole URL, query included, and the
// reflector asks each watch with a random timeoutSeconds (between 5 and 10
// minutes) and its resourceVersion, so no two refusals of a watch read the
// same (seen with kubeapi.Client against a closed port: "Get
// \"https://…/deployments?allowWatchBookmarks=true&resourceVersion=12&timeout=5m1s&timeoutSeconds=301&watch=true\":
// dial tcp …: connect: connection refused").
type refusedAsClient struct{ unreachable }

func refusedURL(ns string, o metav1.ListOptions) error {
	q := url.Values{}
	q.Set("resourceVersion", o.ResourceVersion)
	if o.TimeoutSeconds != nil {
		q.Set("timeoutSeconds", fmt.Sprint(*o.TimeoutSeconds))
	}
	if o.Watch {
		q.Set("watch", "true")
	}
	return &url.Error{Op: "Get", URL: "https://10.96.0.1:443/apis/apps/v1/namespaces/" + ns + "/deployments?" + q.Encode(),
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
}

func (c *refusedAsClient) ListDeployments(ctx context.Context, ns string, o metav1.ListOptions) (*appsv1.DeploymentList, error) {
	if err := c.call(refusedURL(ns, o)); err != nil {
		return nil, err
	}
	return c.ownHPAs.ListDeployments(ctx, ns, o)
}

func (c *refusedAsClient) WatchDeployments(ctx context.Context, ns string, o metav1.ListOptions) (watch.Interface, error) {
	o.Watch = true
	return c.watch(refusedURL(ns, o), func() (watch.Interface, error) { return c.ownHPAs.WatchDeployments(ctx, ns, o) })
}

// TestConnectionRefusedAsTheClientSaysIsWarnedOnce: the refusals of one
// outage, as the real client words them (each its watch's URL), are one
// WARN, as TestConnectionRefusedAfterSyncIsWarnedOnce's fixed wording is.
// Compared by their text, each retry of the watch (every second or so,
// backing off to 30 s) read as a new failure.
//
// Seen failing before failures were compared without the URL's query:
// 13 WARN lines for two outages, want 2.
func TestConnectionRefusedAsTheClientSaysIsWarnedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &refusedAsClient{unreachable{ownHPAs: ownHPAs{kubeapitest.From(fake.NewClientset(newDeployment(fnNS, "echo"))), kubeapitest.From(fake.NewClientset())}}}
		out := loggedOutages(t, c, c.refuse, 2)
		warn := `level=WARN msg="deployment list/watch failed; the informer retries"`
		if n := strings.Count(out, warn); n != 2 {
			t.Errorf("%d WARN lines for two outages of a refused connection, want 2:\n%s", n, out)
		}
	})
}
