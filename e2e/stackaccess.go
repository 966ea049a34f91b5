package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// Deploy adds a function to the gateway (its replicas available at once)
// and gives it a workload with no load yet, so the gateway exports it.
// A zero CreatedAt becomes an hour ago: old enough to be idled.
func (s *Stack) Deploy(t testing.TB, fn provider.Function) {
	t.Helper()
	if fn.CreatedAt.IsZero() {
		fn.CreatedAt = time.Now().Add(-time.Hour)
	}
	if err := s.Mem.Deploy(fn); err != nil {
		t.Fatalf("deploy %s: %v", fn.Ref, err)
	}
	s.Gateway.SetWorkload(fn.Ref, gatewaysim.Workload{Duration: 50 * time.Millisecond})
}

// SetRPS sets a function's offered load.
func (s *Stack) SetRPS(ref provider.Ref, rps float64) { s.Gateway.SetRPS(ref, rps) }

// Function reads a function from the memory provider.
func (s *Stack) Function(t testing.TB, ref provider.Ref) provider.Function {
	t.Helper()
	fn, err := s.Mem.Function(context.Background(), ref)
	if err != nil {
		t.Fatalf("read %s: %v", ref, err)
	}
	return fn
}

// Calls returns the scale calls that reached the provider for ref, in order
// (the controller's, through the gateway API, and the gateway's own
// scale-from-zero).
func (s *Stack) Calls(ref provider.Ref) []memory.ScaleCall {
	var out []memory.ScaleCall
	for _, c := range s.Mem.Calls() {
		if c.Ref == ref {
			out = append(out, c)
		}
	}
	return out
}

// Metric reads one value from the controller's /metrics (sum over the
// samples whose labels include match); false when absent.
func (s *Stack) Metric(t testing.TB, name string, match map[string]string) (float64, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fams, err := s.Controller.Metrics(ctx)
	if err != nil {
		t.Fatalf("controller metrics: %v", err)
	}
	return MetricValue(fams, name, match)
}

// Died is non-nil when a process of the stack (Prometheus, AlertManager,
// the controller, NATS) has ended without the test stopping it, naming each:
// a measurement taken across such a death measures the death, and a
// harness must not report it as the system's (a stage that "never
// happened" because the controller was gone is no reaction time).
func (s *Stack) Died() error {
	var errs []error
	if s.Prom != nil {
		errs = append(errs, s.Prom.Exited())
	}
	if s.AM != nil {
		errs = append(errs, s.AM.Exited())
	}
	if s.Controller != nil {
		errs = append(errs, s.Controller.Exited())
	}
	if s.Async != nil && s.Async.NATS != nil {
		errs = append(errs, s.Async.NATS.Exited())
	}
	return errors.Join(errs...)
}

// Describe summarises a function's state and calls for failure messages.
func (s *Stack) Describe(ref provider.Ref) string {
	fn, err := s.Mem.Function(context.Background(), ref)
	if err != nil {
		return fmt.Sprintf("%s: %v", ref, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: replicas %d, available %d; calls:", ref, fn.Replicas, fn.AvailableReplicas)
	for _, c := range s.Calls(ref) {
		fmt.Fprintf(&b, " [%s %d→%d err=%v]", c.At.Format("15:04:05.000"), c.From, c.To, c.Err)
	}
	return b.String()
}

// Explain reads the controller's explanation of one function
// (GET /api/v1/functions/{namespace}/{name}).
func (s *Stack) Explain(t testing.TB, ref provider.Ref) explain.Function {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := s.Controller.URL() + "/api/v1/functions/" + url.PathEscape(ref.Namespace) + "/" + url.PathEscape(ref.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("explain %s: %v", ref, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("explain %s: status %d", ref, resp.StatusCode)
	}
	var fn explain.Function
	if err := json.NewDecoder(resp.Body).Decode(&fn); err != nil {
		t.Fatalf("explain %s: %v", ref, err)
	}
	return fn
}

// NewFunction is a function with one replica and the given labels as
// key, value pairs.
func NewFunction(ref provider.Ref, labels ...string) provider.Function {
	fn := provider.Function{Ref: ref, Labels: map[string]string{}, Replicas: 1}
	for i := 0; i+1 < len(labels); i += 2 {
		fn.Labels[labels[i]] = labels[i+1]
	}
	return fn
}
