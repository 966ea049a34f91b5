package kubeapitest

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

// Deployments listed with a field selector come back as the API server
// answers: only those it selects, and a 400 for a field it does not know.
//
// Seen failing before ListDeployments filtered: metadata.name=a listed
// [a b], want [a].
func TestListDeploymentsAppliesFieldSelectors(t *testing.T) {
	dep := func(ns, name string) runtime.Object {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	c := From(fake.NewClientset(dep("fn", "a"), dep("fn", "b"), dep("other", "a")))
	for _, tc := range []struct {
		selector string
		want     []string
	}{
		{"", []string{"a", "b"}},
		{"metadata.name=a", []string{"a"}},
		{"metadata.name!=a", []string{"b"}},
		{"metadata.name=c", nil},
		{"metadata.namespace=fn,metadata.name=b", []string{"b"}},
	} {
		l, err := c.ListDeployments(t.Context(), "fn", metav1.ListOptions{FieldSelector: tc.selector})
		if err != nil {
			t.Fatalf("%q: %v", tc.selector, err)
		}
		var got []string
		for _, d := range l.Items {
			got = append(got, d.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("field selector %q listed %v, want %v", tc.selector, got, tc.want)
		}
	}
	if _, err := c.ListDeployments(t.Context(), "fn", metav1.ListOptions{FieldSelector: "spec.replicas=1"}); !apierrors.IsBadRequest(err) {
		t.Errorf("field selector on spec.replicas: err = %v, want BadRequest", err)
	}
}
