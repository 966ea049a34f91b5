package kubernetes

import (
	"context"
	"fmt"
	goruntime "runtime"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// bigDeployment is a function Deployment of realistic size: faas-netes-like
// labels and annotations, a container with env, probes and resources,
// kubectl's last-applied copy, which the cache drops, and the creator's
// managed fields (faas-netes owns spec.replicas until the controller's
// first write), of which the cache keeps the owner of spec.replicas.
func bigDeployment(i int) *appsv1.Deployment {
	name := fmt.Sprintf("fn-%05d", i)
	d := newDeployment(fnNS, name, withLabels(
		"com.openfaas.scale.min", "1", "com.openfaas.scale.max", "20",
		"com.openfaas.scale.zero", "true", "uid", fmt.Sprintf("%08d", i)))
	d.Annotations = map[string]string{
		"prometheus.io.scrape":  "false",
		"com.openfaas.function": name,
		lastAppliedAnnotation:   string(make([]byte, 2048)),
	}
	c := &d.Spec.Template.Spec.Containers[0]
	for j := range 10 {
		c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("ENV_%d", j), Value: "some configuration value"})
	}
	updatedBy("faas-netes", creatorFields)(d)
	return d
}

func startFakeN(tb testing.TB, n int) *Provider {
	tb.Helper()
	objs := make([]runtime.Object, n)
	for i := range objs {
		objs[i] = bigDeployment(i)
	}
	client := fake.NewClientset(objs...)
	cfg := DefaultConfig()
	cfg.Client = kubeapitest.From(client)
	p, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	if err := p.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkFunctions10k: one reconcile pass's listing of 10k functions from
// the cache (no API calls).
func BenchmarkFunctions10k(b *testing.B) {
	p := startFakeN(b, 10_000)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		fns, err := p.Functions(ctx, fnNS)
		if err != nil || len(fns) != 10_000 {
			b.Fatalf("%d functions, %v", len(fns), err)
		}
	}
}

// BenchmarkFunction10k: one function looked up by name among 10k (the
// webhook path), through the function-name index.
func BenchmarkFunction10k(b *testing.B) {
	p := startFakeN(b, 10_000)
	ctx := b.Context()
	ref := provider.Ref{Name: "fn-05000", Namespace: fnNS}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Function(ctx, ref); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheMemory reports the heap one cached (slimmed) Deployment
// takes against the same Deployment held whole, as an informer without the
// transform would hold it.
func BenchmarkCacheMemory(b *testing.B) {
	const n = 2_000
	for b.Loop() {
		whole := heapDelta(func() any {
			ds := make([]*appsv1.Deployment, n)
			for i := range ds {
				ds[i] = bigDeployment(i)
			}
			return ds
		})
		slimmed := heapDelta(func() any {
			ds := make([]any, n)
			for i := range ds {
				ds[i], _ = slim(bigDeployment(i))
			}
			return ds
		})
		b.ReportMetric(float64(slimmed)/n, "B-slim/fn")
		b.ReportMetric(float64(whole)/n, "B-whole/fn")
	}
}

func heapDelta(build func() any) int64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	v := build()
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	goruntime.KeepAlive(v)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

// creatorFields is the field set the API server records for faas-netes's
// create of a function Deployment (trimmed from a real one).
const creatorFields = `{"f:metadata":{"f:labels":{".":{},"f:faas_function":{}}},"f:spec":{"f:progressDeadlineSeconds":{},` +
	`"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},` +
	`"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:faas_function":{}}},"f:spec":{` +
	`"f:containers":{"k:{\"name\":\"fn\"}":{".":{},"f:env":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},` +
	`"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},` +
	`"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}`

// BenchmarkSlim: the cache's transform of one watch event's Deployment.
func BenchmarkSlim(b *testing.B) {
	d := bigDeployment(1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := slim(d); err != nil {
			b.Fatal(err)
		}
	}
}
