package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// JobQueueWorker is the queue worker's scrape job.
const JobQueueWorker = "queue-worker"

// Async is the asynchronous half of a stack (Options.Async): a real
// nats-server with JetStream, the gateway's /async-function route publishing
// into it, and a queue worker consuming each deployed function, calling the
// simulated function and exporting the queue-worker metrics to Prometheus.
type Async struct {
	NATS   *teststack.NATS
	Worker *queueworker.Worker
	// MaxInflight is the worker's messages per ready replica.
	MaxInflight int

	pub      *queueworker.Publisher
	metrics  *httptest.Server
	mem      provider.Provider
	gw       *gatewaysim.Gateway
	ctx      context.Context
	mu       sync.Mutex
	executed map[string]int // call id → successful executions
	first    time.Time      // first successful execution
	invoked  atomic.Int64
}

// startAsync runs nats-server, creates the stream and the worker (which
// consumes nothing until Consume), and serves the worker's metrics.
func startAsync(t testing.TB, s *Stack, maxInflight int) *Async {
	t.Helper()
	if maxInflight <= 0 {
		maxInflight = 10
	}
	a := &Async{NATS: teststack.StartNATS(t), MaxInflight: maxInflight, mem: s.Mem, gw: s.Gateway, executed: map[string]int{}}
	nc, err := nats.Connect(a.NATS.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a.ctx = ctx
	if err := queueworker.EnsureStream(ctx, js, queueworker.Queue{}); err != nil {
		t.Fatal(err)
	}
	if a.pub, err = queueworker.NewPublisher(nc, queueworker.Queue{}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	a.Worker, err = queueworker.New(queueworker.Config{
		Conn: nc, Invoker: a, MaxInflight: maxInflight, AckWait: 5 * time.Second,
		Ready: func(ref provider.Ref) int {
			fn, err := s.Mem.Function(context.Background(), ref)
			if err != nil {
				return 0
			}
			return int(fn.AvailableReplicas)
		},
		Registerer: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	a.metrics = httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(a.metrics.Close)
	return a
}

// Consume starts the worker on a function (its durable consumer).
func (a *Async) Consume(t testing.TB, ref provider.Ref) {
	t.Helper()
	if err := a.Worker.Add(a.ctx, ref); err != nil {
		t.Fatal(err)
	}
}

// Invoke is the worker's call through the gateway; successes are recorded
// by call id, so a test can prove each message ran exactly once.
func (a *Async) Invoke(ctx context.Context, ref provider.Ref, h http.Header, _ []byte) int {
	a.invoked.Add(1)
	code := a.gw.Invoke(ctx, ref)
	if code == http.StatusOK {
		a.mu.Lock()
		a.executed[h.Get(queueworker.HeaderCallID)]++
		if a.first.IsZero() {
			a.first = time.Now()
		}
		a.mu.Unlock()
	}
	return code
}

// Executed returns a copy of call id → executions, and when the first ran.
func (a *Async) Executed() (map[string]int, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]int, len(a.executed))
	for k, v := range a.executed {
		out[k] = v
	}
	return out, a.first
}

// Publish posts n asynchronous requests to the gateway's /async-function
// route, conc at a time, and returns the call ids of the 202 answers.
func (s *Stack) Publish(t testing.TB, ref provider.Ref, n, conc int) []string {
	t.Helper()
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	u := s.GatewayURL + "/async-function/" + ref.Name + "." + ref.Namespace
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				resp, err := http.Post(u, "text/plain", strings.NewReader(fmt.Sprintf("message %d", i)))
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Call-Id") == "" {
					errs <- fmt.Errorf("POST %s: status %d, call id %q", u, resp.StatusCode, resp.Header.Get("X-Call-Id"))
					return
				}
				ids[i] = resp.Header.Get("X-Call-Id")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

// Backlog is the function's unacknowledged messages, from its consumer.
func (a *Async) Backlog(t testing.TB, ref provider.Ref) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := a.Worker.Backlog(ctx, ref)
	if err != nil {
		t.Fatalf("backlog of %s: %v", ref, err)
	}
	return n
}

// AsyncFunction makes fn a queue-worker-fed function: each message takes
// duration, a replica runs concurrency at once.
func (s *Stack) AsyncFunction(t testing.TB, fn provider.Function, duration time.Duration, concurrency int) {
	t.Helper()
	s.Gateway.SetWorkload(fn.Ref, gatewaysim.Workload{Duration: duration, Concurrency: concurrency})
	s.Async.Consume(t, fn.Ref)
}
