package memory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// deployMany deploys n functions in one namespace with 3 replicas each.
func deployMany(b *testing.B, n int) *Provider {
	b.Helper()
	p := New(clock.Real(), Options{ColdStart: 2 * time.Second})
	for i := range n {
		ref := provider.Ref{Name: fmt.Sprintf("fn-%05d", i), Namespace: "openfaas-fn"}
		if err := p.Deploy(provider.Function{Ref: ref, Replicas: 3, Labels: map[string]string{"com.openfaas.scale.max": "20"}}); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

// BenchmarkAll10k is one reconcile cycle's listing of 10,000 functions.
func BenchmarkAll10k(b *testing.B) {
	p := deployMany(b, 10_000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := provider.All(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScale is one scale call with its recording, as the simulator
// issues them.
func BenchmarkScale(b *testing.B) {
	p := deployMany(b, 200)
	ctx := context.Background()
	ref := provider.Ref{Name: "fn-00042", Namespace: "openfaas-fn"}
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i++
		if err := p.Scale(ctx, ref, 1+i%10); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 0 {
			p.ResetCalls()
		}
	}
}
