package kubernetes

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// kubectlApplied records d's manifest as `kubectl apply` (and Argo CD's
// default sync) does, in the last-applied-configuration annotation.
func kubectlApplied(d *appsv1.Deployment) {
	manifest, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[lastAppliedAnnotation] = string(manifest)
}

// serverSideApplied records manager as a server-side applier of fields
// (a FieldsV1 set), as the API server does for Flux's kustomize-controller.
func serverSideApplied(manager, fields string) deploymentOpt {
	return func(d *appsv1.Deployment) {
		d.ManagedFields = append(d.ManagedFields, metav1.ManagedFieldsEntry{
			Manager: manager, Operation: metav1.ManagedFieldsOperationApply, APIVersion: "apps/v1",
			FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields),
		})
	}
}

func updatedBy(manager, fields string) deploymentOpt {
	return func(d *appsv1.Deployment) {
		d.ManagedFields = append(d.ManagedFields, metav1.ManagedFieldsEntry{
			Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "apps/v1",
			FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields),
		})
	}
}

const (
	replicasAndTemplate = `{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{}}}}`
	templateOnly        = `{"f:spec":{"f:template":{"f:spec":{}}}}`
)

// A Deployment whose applied manifest declares spec.replicas gets that count
// back at every apply: Argo CD's self-heal re-syncs within seconds, Flux at
// its interval, and the controller's count flaps with no word of why. The
// provider cannot see the applier act, so it keeps the function, but the
// listing warns once per function and the explain section names the
// applier and the fix. A manifest without replicas, and a controller that
// merely updates the Deployment (faas-netes), are no such applier.
func TestAReplicaCountDeclaredByAnAppliedManifestIsExplained(t *testing.T) {
	argo := newDeployment(fnNS, "argo", withReplicas(3, 3))
	kubectlApplied(argo)
	withoutReplicas := newDeployment(fnNS, "kustomized")
	withoutReplicas.Spec.Replicas = nil
	kubectlApplied(withoutReplicas)
	f := newFakeCluster(
		argo,
		withoutReplicas,
		newDeployment(fnNS, "flux", withReplicas(2, 2), serverSideApplied("kustomize-controller", replicasAndTemplate)),
		newDeployment(fnNS, "ssa-template", serverSideApplied("kustomize-controller", templateOnly)),
		newDeployment(fnNS, "faas-netes", updatedBy("faas-netes", replicasAndTemplate)),
	)
	var logs teststack.SyncBuffer
	p := startFake(t, f, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ref := func(name string) provider.Ref { return provider.Ref{Name: name, Namespace: fnNS} }
	waitFunction(t, p, ref("faas-netes"), func(provider.Function) bool { return true })

	for _, tc := range []struct {
		name    string
		applied []string // substrings of the note; nil = no note
	}{
		{"argo", []string{"deployment argo", "client-side apply", "replicas: 3", "remove spec.replicas", "ignoreDifferences"}},
		{"flux", []string{"deployment flux", `server-side apply by "kustomize-controller"`, "remove spec.replicas"}},
		{"kustomized", nil},
		{"ssa-template", nil},
		{"faas-netes", nil},
	} {
		v, ok := p.Explain(ref(tc.name))
		if !ok {
			t.Fatalf("%s: no explanation", tc.name)
		}
		note := v.(DeploymentExplanation).Applied
		if (tc.applied == nil) != (note == "") {
			t.Errorf("%s: applied note %q, want one: %v", tc.name, note, tc.applied != nil)
		}
		for _, want := range tc.applied {
			if !strings.Contains(note, want) {
				t.Errorf("%s: applied note %q does not say %q", tc.name, note, want)
			}
		}
	}

	for range 3 { // the scaler lists at every pass: still one warning each
		fns, err := p.Functions(t.Context(), fnNS)
		if err != nil || len(fns) != 5 {
			t.Fatalf("Functions = %d functions, %v; want all 5 listed", len(fns), err)
		}
		for _, fn := range fns {
			if _, leaked := fn.Annotations[lastAppliedAnnotation]; leaked {
				t.Errorf("%s: the trimmed last-applied annotation leaked into the function's annotations", fn.Ref)
			}
		}
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 2 ||
		!strings.Contains(out, "function=argo."+fnNS) || !strings.Contains(out, "function=flux."+fnNS) {
		t.Errorf("log after 3 listings:\n%s\nwant one WARN each for argo and flux", out)
	}
}

// The cache keeps the marks, not the manifests: the last applied manifest
// trimmed to its replica count, the owners of spec.replicas (its appliers,
// and its Update owner: writer.go), and no managed field set at all.
func TestSlimKeepsOnlyTheReplicaOwners(t *testing.T) {
	d := newDeployment(fnNS, "argo", withReplicas(3, 3),
		serverSideApplied("kustomize-controller", replicasAndTemplate),
		serverSideApplied("other", templateOnly),
		updatedBy("faas-netes", replicasAndTemplate))
	kubectlApplied(d)
	obj, err := slim(d)
	if err != nil {
		t.Fatal(err)
	}
	s := obj.(*appsv1.Deployment)
	if got := s.Annotations[lastAppliedAnnotation]; got != `{"spec":{"replicas":3}}` {
		t.Errorf("trimmed last-applied = %q, want the replica count alone", got)
	}
	if len(s.ManagedFields) != 2 || s.ManagedFields[0].Manager != "kustomize-controller" || s.ManagedFields[1].Manager != "faas-netes" ||
		s.ManagedFields[0].FieldsV1 != nil || s.ManagedFields[1].FieldsV1 != nil {
		t.Errorf("managed fields kept: %+v; want kustomize-controller's and faas-netes's entries alone, without their field sets", s.ManagedFields)
	}
	if _, still := d.Annotations[lastAppliedAnnotation]; !still || len(d.ManagedFields) != 3 {
		t.Error("slim changed the object it was given")
	}
}
