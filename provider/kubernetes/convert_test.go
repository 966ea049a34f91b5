package kubernetes

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func TestToFunction(t *testing.T) {
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		dep  func() *appsv1.Deployment
		want provider.Function
	}{
		{
			name: "faas-netes function: label names it, template and deployment labels merge",
			dep: func() *appsv1.Deployment {
				d := newDeployment(fnNS, "echo", withReplicas(3, 2))
				d.Spec.Template.Labels["com.openfaas.scale.min"] = "1"
				d.Spec.Template.Labels["com.openfaas.scale.max"] = "10"
				d.Labels["com.openfaas.scale.max"] = "20" // edited with kubectl label: newer intent
				d.Spec.Template.Annotations = map[string]string{"prometheus.io.scrape": "false"}
				d.Annotations = map[string]string{"com.openfaas.scale.zero-duration": "5m", lastAppliedAnnotation: "{...}"}
				return d
			},
			want: provider.Function{
				Ref: provider.Ref{Name: "echo", Namespace: fnNS},
				Labels: map[string]string{
					FunctionLabel: "echo", "com.openfaas.scale.min": "1", "com.openfaas.scale.max": "20",
				},
				Annotations:       map[string]string{"prometheus.io.scrape": "false", "com.openfaas.scale.zero-duration": "5m"},
				Replicas:          3,
				AvailableReplicas: 2,
				CreatedAt:         created,
			},
		},
		{
			name: "label value differs from deployment name",
			dep: func() *appsv1.Deployment {
				return newDeployment(fnNS, "resize-v2", withLabels(FunctionLabel, "resize"))
			},
			want: provider.Function{
				Ref:       provider.Ref{Name: "resize", Namespace: fnNS},
				Labels:    map[string]string{FunctionLabel: "resize"},
				Replicas:  1,
				CreatedAt: created,
			},
		},
		{
			name: "plain deployment is named after itself; nil replicas means the API default 1",
			dep: func() *appsv1.Deployment {
				d := newDeployment("web", "shop", withoutFunctionLabel())
				d.Spec.Template.Labels = nil
				d.Labels = nil
				d.Spec.Replicas = nil
				d.CreationTimestamp = metav1.Time{}
				return d
			},
			want: provider.Function{Ref: provider.Ref{Name: "shop", Namespace: "web"}, Replicas: 1},
		},
		{
			// Just after a scale-down (or mid rollout, with surge pods)
			// status.availableReplicas lags above spec.replicas. The pods
			// over the desired count are going: counted as capacity they
			// raised the scaler's burst threshold (burst-threshold × ready)
			// and showed "5 available of 2".
			name: "available above desired (status lag after a scale-down) reads as the desired count",
			dep:  func() *appsv1.Deployment { return newDeployment(fnNS, "down", withReplicas(2, 5), withPods(5)) },
			want: provider.Function{
				Ref:               provider.Ref{Name: "down", Namespace: fnNS},
				Labels:            map[string]string{FunctionLabel: "down"},
				Replicas:          2,
				AvailableReplicas: 2,
				CreatedAt:         created,
			},
		},
		{
			name: "scaled to zero, replicas still terminating: none available",
			dep:  func() *appsv1.Deployment { return newDeployment(fnNS, "gone", withReplicas(0, 3), withPods(3)) },
			want: provider.Function{
				Ref:       provider.Ref{Name: "gone", Namespace: fnNS},
				Labels:    map[string]string{FunctionLabel: "gone"},
				CreatedAt: created,
			},
		},
		{
			name: "scaled to zero",
			dep:  func() *appsv1.Deployment { return newDeployment(fnNS, "idle", withReplicas(0, 0)) },
			want: provider.Function{
				Ref:       provider.Ref{Name: "idle", Namespace: fnNS},
				Labels:    map[string]string{FunctionLabel: "idle"},
				CreatedAt: created,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.dep()
			got := toFunction(d)
			if diff := cmp.Diff(tc.want, inSeconds(got)); diff != "" {
				t.Errorf("toFunction (-want +got):\n%s", diff)
			}
			// The cache holds slimmed Deployments: conversion must not change.
			s, err := slim(d)
			if err != nil {
				t.Fatal(err)
			}
			if slimmed := toFunction(s.(*appsv1.Deployment)); !cmp.Equal(got, slimmed) {
				t.Errorf("toFunction(slim) (-whole +slim):\n%s", cmp.Diff(got, slimmed))
			}
		})
	}
}

func TestSlimDropsBulk(t *testing.T) {
	d := newDeployment(fnNS, "echo")
	d.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	d.Annotations = map[string]string{lastAppliedAnnotation: "{big}", "keep": "me"}
	s, err := slim(d)
	if err != nil {
		t.Fatal(err)
	}
	got := s.(*appsv1.Deployment)
	if got.ManagedFields != nil || len(got.Spec.Template.Spec.Containers) != 0 {
		t.Errorf("slim kept managed fields or the pod spec: %+v", got)
	}
	if _, ok := got.Annotations[lastAppliedAnnotation]; ok || got.Annotations["keep"] != "me" {
		t.Errorf("annotations = %v; want last-applied dropped and others kept", got.Annotations)
	}
	if _, ok := d.Annotations[lastAppliedAnnotation]; !ok {
		t.Error("slim changed its input")
	}
	// Tombstones and other types pass through.
	if o, err := slim("tombstone"); err != nil || o != "tombstone" {
		t.Errorf("slim(string) = %v, %v", o, err)
	}
}

// inSeconds is fn with CreatedAt in the API server's whole seconds: its
// sub-second part is the UID's (TestCreatedAtTellsSameSecondReplacementsApart).
func inSeconds(fn provider.Function) provider.Function {
	fn.CreatedAt = fn.CreatedAt.Truncate(time.Second)
	return fn
}

// TestCreatedAtTellsSameSecondReplacementsApart: the API server stamps
// creation in whole seconds, so a Deployment deleted and created again
// within one had its predecessor's CreatedAt, and ScaleFromCreated scaled
// the new function on a decision made on the old (found by a review,
// TestReview49eScaleFromCreatedSameSecondReplacement on a real API server).
// CreatedAt carries the UID in its sub-second part: two Deployments of one
// second apart, one Deployment the same at every read, within its second.
func TestCreatedAtTellsSameSecondReplacementsApart(t *testing.T) {
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	d := func(uid string) *appsv1.Deployment {
		dep := newDeployment(fnNS, "api", withLabels(FunctionLabel, "api"))
		dep.CreationTimestamp, dep.UID = metav1.NewTime(created), types.UID(uid)
		return dep
	}
	a, b := createdAt(d("0f8fad5b-d9cb-469f-a165-70867728950e")), createdAt(d("7c9e6679-7425-40de-944b-e07fc1f90ae7"))
	if a.Equal(b) {
		t.Errorf("two Deployments created in one second with different UIDs: both CreatedAt %v", a)
	}
	for _, c := range []time.Time{a, b} {
		if c.Truncate(time.Second) != created {
			t.Errorf("CreatedAt %v is not within the second the API server stamped, %v", c, created)
		}
	}
	if again := createdAt(d("0f8fad5b-d9cb-469f-a165-70867728950e")); !again.Equal(a) {
		t.Errorf("one Deployment read twice: CreatedAt %v then %v", a, again)
	}
	var none appsv1.Deployment
	if c := createdAt(&none); !c.IsZero() {
		t.Errorf("no creation time: CreatedAt %v, want zero (unknown)", c)
	}
}
