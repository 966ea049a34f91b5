package embedded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func fnRef(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }

// fakeGateway renders a /metrics text body from the virtual time elapsed
// since it was made; render is the test's load pattern.
type fakeGateway struct {
	t0     time.Time
	mu     sync.Mutex
	failed bool
	render func(el time.Duration, b *strings.Builder)
}

func (g *fakeGateway) fetch(context.Context) (io.ReadCloser, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed {
		return nil, errors.New("connection refused")
	}
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_total counter\n")
	g.render(time.Since(g.t0), &b)
	return io.NopCloser(strings.NewReader(b.String())), nil
}

func (g *fakeGateway) setFailed(v bool) {
	g.mu.Lock()
	g.failed = v
	g.mu.Unlock()
}

func counter(b *strings.Builder, metric, fn, code string, v float64) {
	if code != "" {
		fmt.Fprintf(b, "%s{code=%q,function_name=%q} %g\n", metric, code, fn, v)
		return
	}
	fmt.Fprintf(b, "%s{function_name=%q} %g\n", metric, fn, v)
}

// startSource runs a Source at a 1s interval over g inside the bubble.
func startSource(t *testing.T, g *fakeGateway) *Source {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Interval = time.Second
	cfg.Retention = 2 * time.Minute
	cfg.Fetch = g.fetch
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() { _ = src.Run(ctx) }()
	synctest.Wait() // the first scrape, at t0
	return src
}

// advance moves virtual time on by d and lets the scrapes in between finish.
// Scrapes happen at whole seconds; advancing by a half second more makes
// "now" fall between scrapes, as it does in production.
func advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func load(t *testing.T, src *Source, typ string, w time.Duration) metricsource.Values {
	t.Helper()
	v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: typ, Window: w})
	if err != nil {
		t.Fatalf("Load %s %s: %v", typ, w, err)
	}
	return v
}

func activity(t *testing.T, src *Source, w time.Duration) metricsource.Activity {
	t.Helper()
	a, err := src.Activity(context.Background(), w)
	if err != nil {
		t.Fatalf("Activity %s: %v", w, err)
	}
	return a
}
