package chart

import (
	"encoding/json"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// applyStrict is applier.apply with strict field validation: a field the
// CRD's schema does not know is an error, where the default only warns and
// prunes it (a misspelt httpConfig would silently drop the receiver's auth).
func (a *applier) applyStrict(t *testing.T, u *unstructured.Unstructured) error {
	t.Helper()
	gvk := u.GroupVersionKind()
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		a.mapper.Reset()
		if m, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return err
		}
	}
	body, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	force := true
	_, err = a.dyn.Resource(m.Resource).Namespace(u.GetNamespace()).Patch(t.Context(), u.GetName(), types.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: "chart-test", Force: &force, FieldValidation: "Strict"})
	return err
}

// The AlertmanagerConfig the chart renders, with each webhook.auth mode and
// from the kube-prometheus-stack example, passes the operator's CRD schema
// with strict field validation; a broken one is refused, so the check is on.
func TestClusterAlertmanagerConfig(t *testing.T) {
	c := cluster.Get(t)
	a := newApplier(t, c)
	installCRDs(t, c, a)
	ensureNamespaces(t, a, releaseNS)
	token := []string{"webhook.tokenSecret.name=am-token"}
	for _, tc := range []struct {
		name   string
		values []string
		sets   []string
	}{
		{"kube-prometheus-stack example", []string{kpsExample}, append(kpsSets, "alertmanagerConfig.labels.alertmanagerconfig=faas")},
		{"bearer", nil, append([]string{"alertmanagerConfig.enabled=true", "webhook.auth=bearer"}, token...)},
		{"none", nil, []string{"alertmanagerConfig.enabled=true", "webhook.auth=none"}},
		{"openfaas", nil, []string{"alertmanagerConfig.enabled=true", "provider=openfaas"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			amc, _ := oneAlertmanagerConfig(t, tc.values, tc.sets...)
			if err := a.applyStrict(t, amc); err != nil {
				t.Errorf("AlertmanagerConfig refused: %v", err)
			}
		})
	}
	t.Run("broken is refused", func(t *testing.T) {
		amc, _ := oneAlertmanagerConfig(t, nil, "alertmanagerConfig.enabled=true")
		amc = amc.DeepCopy()
		amc.SetName("broken")
		ms, _, _ := unstructured.NestedSlice(amc.Object, "spec", "route", "matchers")
		ms[0].(map[string]any)["matchType"] = "==" // not one of =, !=, =~, !~
		_ = unstructured.SetNestedSlice(amc.Object, ms, "spec", "route", "matchers")
		err := a.applyStrict(t, amc)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "matchType") {
			t.Errorf("apply with matchType == : %v; want Invalid naming the field", err)
		}
	})
}
