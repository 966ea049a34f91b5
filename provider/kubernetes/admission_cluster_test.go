package kubernetes

import (
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// minOneWebhook is a validating admission webhook that denies a scale to
// zero, as a policy engine's "keep at least one replica" rule does. code is
// the status it answers with: 0 (none) as Kyverno answers, which the API
// server turns into 400 Bad Request; 403 as controller-runtime's
// admission.Denied (Gatekeeper and most hand-written webhooks) answers.
func minOneWebhook(t *testing.T, code int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "bad review", http.StatusBadRequest)
			return
		}
		var s autoscalingv1.Scale
		_ = json.Unmarshal(review.Request.Object.Raw, &s)
		resp := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: s.Spec.Replicas > 0}
		if !resp.Allowed {
			resp.Result = &metav1.Status{Code: code, Message: "policy min-one-replica: functions here keep at least one replica"}
			if code == http.StatusForbidden {
				resp.Result.Reason = metav1.StatusReasonForbidden
			}
		}
		review.Response, review.Request = resp, nil
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(review)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// registerWebhook points a ValidatingWebhookConfiguration for updates of
// deployments/scale in ns at srv.
func registerWebhook(t *testing.T, client kubernetes.Interface, name, ns string, srv *httptest.Server) {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "min-one.faas-autoscaler.test",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: ptr.To(srv.URL + "/validate"), CABundle: ca},
			AdmissionReviewVersions: []string{"v1"},
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			TimeoutSeconds:          ptr.To(int32(5)),
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
				"kubernetes.io/metadata.name": ns}},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"},
					Resources: []string{"deployments/scale"}},
			}},
		}},
	}
	if _, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(t.Context(), cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(t.Context(), name, metav1.DeleteOptions{})
	})
}

// registerPolicy installs a ValidatingAdmissionPolicy (no webhook: the API
// server's CEL) that denies a scale to zero in ns with reason Forbidden (403).
func registerPolicy(t *testing.T, client kubernetes.Interface, name, ns string) {
	t.Helper()
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"},
						Resources: []string{"deployments/scale"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{
				Expression: "has(object.spec.replicas) && object.spec.replicas > 0", // zero is omitted from a Scale
				Message:    "functions here keep at least one replica",
				Reason:     ptr.To(metav1.StatusReasonForbidden),
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}},
		},
	}
	api := client.AdmissionregistrationV1()
	if _, err := api.ValidatingAdmissionPolicies().Create(t.Context(), policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.ValidatingAdmissionPolicies().Delete(t.Context(), name, metav1.DeleteOptions{}) })
	if _, err := api.ValidatingAdmissionPolicyBindings().Create(t.Context(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.ValidatingAdmissionPolicyBindings().Delete(t.Context(), name, metav1.DeleteOptions{}) })
}

// TestClusterAdmissionDenialIsARefusal: a policy in the cluster (a webhook
// such as Kyverno's or Gatekeeper's, or a ValidatingAdmissionPolicy) that
// denies a scale to zero is the cluster saying no to that count, a
// *provider.RefusedError: the actuator then holds off that one count and the
// idler reports "provider refused zero". Before, Kyverno's 400 was a plain
// error, so the actuator backed the whole function off (dropping its
// scale-ups too) and retried the zero forever; and a 403 from a policy read
// as ErrUnauthorized, "provider rejected the credentials", counted as
// unauthorized in the metrics, sending the operator to check RBAC. A real
// RBAC denial stays ErrUnauthorized.
//
// Seen failing before the fix (namespaces shortened to <ns>):
//
//	webhook_without_code: Scale(0) = scale echo.<ns> (deployment echo) to 0: admission webhook
//	  "min-one.faas-autoscaler.test" denied the request: policy min-one-replica: functions here keep
//	  at least one replica; want a *provider.RefusedError of 0 replicas with status 400
//	webhook_403: Scale(0) = scale echo.<ns>: provider rejected the credentials: admission webhook
//	  "min-one.faas-autoscaler.test" denied the request: ...; want a *provider.RefusedError of 0 replicas with status 403
//	policy_403: Scale(0) = scale echo.<ns>: provider rejected the credentials: deployments.apps "echo" is
//	  forbidden: ValidatingAdmissionPolicy '<ns>-min-one' with binding '<ns>-min-one' denied request:
//	  functions here keep at least one replica; want a *provider.RefusedError of 0 replicas with status 403
func TestClusterAdmissionDenialIsARefusal(t *testing.T) {
	c := cluster.Get(t)
	for _, tc := range []struct {
		name       string
		install    func(t *testing.T, ns string)
		wantStatus int
	}{
		{"webhook without code", func(t *testing.T, ns string) {
			registerWebhook(t, c.Client, ns+"-min-one", ns, minOneWebhook(t, 0))
		}, http.StatusBadRequest},
		{"webhook 403", func(t *testing.T, ns string) {
			registerWebhook(t, c.Client, ns+"-min-one", ns, minOneWebhook(t, http.StatusForbidden))
		}, http.StatusForbidden},
		{"policy 403", func(t *testing.T, ns string) {
			registerPolicy(t, c.Client, ns+"-min-one", ns)
		}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := c.Namespace(t)
			createDeployment(t, c.Client, functionDeployment(ns, "echo", 2, nil))
			tc.install(t, ns)
			p := startProvider(t, c.Config, ns)
			ref := provider.Ref{Name: "echo", Namespace: ns}
			waitCached(t, p, ref, 10*time.Second, "cached", func(provider.Function) bool { return true })
			// Admission configuration takes effect a moment after it is
			// created: a scale to 1 must pass, and one to zero be denied.
			var err error
			deadline := time.Now().Add(15 * time.Second)
			for {
				err = p.Scale(t.Context(), ref, 0)
				if err != nil || time.Now().After(deadline) {
					break
				}
				if err := p.Scale(t.Context(), ref, 2); err != nil {
					t.Fatalf("Scale(2) while waiting for the policy: %v", err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			var refused *provider.RefusedError
			if !errors.As(err, &refused) || refused.Replicas != 0 || refused.Status != tc.wantStatus {
				t.Fatalf("Scale(0) = %v; want a *provider.RefusedError of 0 replicas with status %d", err, tc.wantStatus)
			}
			if !provider.IsZeroRefused(err) || errors.Is(err, provider.ErrUnauthorized) {
				t.Errorf("Scale(0) = %v: zero refused %v, unauthorized %v; want refused, not unauthorized",
					err, provider.IsZeroRefused(err), errors.Is(err, provider.ErrUnauthorized))
			}
			if err := p.ScaleFrom(t.Context(), ref, 2, 0); !provider.IsZeroRefused(err) {
				t.Errorf("ScaleFrom(2, 0) = %v; want a refusal of zero", err)
			}
			if err := p.ScaleFrom(t.Context(), ref, 2, 1); err != nil {
				t.Errorf("ScaleFrom(2, 1), which the policy allows: %v", err)
			}
		})
	}

	// RBAC saying no is still the credentials: a service account that may
	// read Deployments but not write their scale.
	t.Run("rbac", func(t *testing.T) {
		ns := c.Namespace(t)
		createDeployment(t, c.Client, functionDeployment(ns, "echo", 2, nil))
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "read-only", Namespace: ns}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"get"}},
		}}
		if _, err := c.Client.RbacV1().Roles(ns).Create(t.Context(), role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "read-only", Namespace: ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "read-only"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "reader", Namespace: ns}}}
		if _, err := c.Client.RbacV1().RoleBindings(ns).Create(t.Context(), rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		sa, err := c.ServiceAccountConfig(t.Context(), ns, "reader")
		if err != nil {
			t.Fatal(err)
		}
		p := startProvider(t, sa, ns)
		ref := provider.Ref{Name: "echo", Namespace: ns}
		waitCached(t, p, ref, 10*time.Second, "cached", func(provider.Function) bool { return true })
		err = p.Scale(t.Context(), ref, 0)
		var refused *provider.RefusedError
		if !errors.Is(err, provider.ErrUnauthorized) || !apierrors.IsForbidden(err) || errors.As(err, &refused) {
			t.Errorf("Scale(0) without RBAC for deployments/scale = %v; want ErrUnauthorized (Forbidden), not a refusal", err)
		}
	})
}
