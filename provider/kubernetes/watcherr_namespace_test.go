package kubernetes

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// A list refused in two namespaces is one WARN per namespace, however often
// the informers retry: the API server's 403 names the namespace, so the two
// messages differ, and a single "last error" shared by every namespace's
// informer took each retry for news (a WARN per retry and namespace, the
// flood the dedup was written against). Start's error names the failure
// of the namespace it reports, not another's.
//
// Seen failing before the fix: 4 WARN lines per namespace in 60 virtual
// seconds, and "deployments in a did not sync: ... in the namespace "b"".
// Found by a review helper.
func TestWatchErrorsAreWarnedOncePerNamespace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewClientset()
		client.PrependReactor("list", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
			// As the API server words an RBAC refusal.
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "",
				fmt.Errorf(`User "system:serviceaccount:openfaas:faas-autoscaler" cannot list resource "deployments" in API group "apps" in the namespace %q`,
					a.GetNamespace()))
		})
		var logs teststack.SyncBuffer
		cfg := DefaultConfig()
		cfg.Client = ownHPAs{kubeapitest.From(client), kubeapitest.From(fake.NewClientset())}
		cfg.Namespaces = []string{"a", "b"}
		cfg.ProgressEvery = time.Hour
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err = p.Start(ctx)
		if err == nil {
			t.Fatal("Start synced against a refusing server")
		}
		if !strings.Contains(err.Error(), `deployments in a did not sync`) || !strings.Contains(err.Error(), `in the namespace "a"`) {
			t.Errorf("Start error = %v; want namespace a's own failure", err)
		}
		out := logs.String()
		for _, ns := range []string{"a", "b"} {
			warn := `level=WARN msg="deployment list/watch failed; the informer retries" namespace=` + ns + " "
			if n := strings.Count(out, warn); n != 1 {
				t.Errorf("%d WARN lines for namespace %s's repeated refusal, want 1:\n%s", n, ns, out)
			}
		}
	})
}
