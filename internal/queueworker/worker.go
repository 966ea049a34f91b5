package queueworker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	jsource "github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Invoker calls a function with one message and returns the HTTP status.
type Invoker interface {
	Invoke(ctx context.Context, ref provider.Ref, h http.Header, body []byte) int
}

// Config configures a Worker.
type Config struct {
	Conn  *nats.Conn
	Queue Queue
	// Invoker runs the function.
	Invoker Invoker
	// MaxInflight is how many messages one ready replica runs at once (the
	// function's max_inflight; default 10).
	MaxInflight int
	// Ready returns a function's ready replicas. The worker takes no more
	// than Ready × MaxInflight messages at once, so a function at zero keeps
	// its backlog undelivered in the stream until something wakes it.
	Ready func(provider.Ref) int
	// AckWait is how long an unacknowledged delivery waits before JetStream
	// redelivers it (default 10s); Retry how long a failed call waits
	// before its redelivery (default 250ms).
	AckWait, Retry time.Duration
	// MetricsEvery is how often the backlog gauges are refreshed (default 250ms).
	MetricsEvery time.Duration
	Registerer   prometheus.Registerer
	Logger       *slog.Logger
}

// Worker consumes every added function's subject.
type Worker struct {
	cfg Config
	js  jetstream.JetStream
	m   *metrics
	log *slog.Logger

	mu  sync.Mutex
	fns map[provider.Ref]*fnWorker
	// adding serialises Add over its consumer's creation: two at once both
	// found the function new and started two consume loops, one of them
	// out of Pause's reach (a review's finding).
	adding sync.Mutex
}

type fnWorker struct {
	ref     provider.Ref
	cons    jetstream.Consumer
	mu      sync.Mutex
	running int
	paused  bool
}

// New validates cfg and registers the metrics.
func New(cfg Config) (*Worker, error) {
	if cfg.Conn == nil || cfg.Invoker == nil || cfg.Ready == nil {
		return nil, errors.New("queueworker: Conn, Invoker and Ready are required")
	}
	cfg.Queue = cfg.Queue.withDefaults()
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = 10
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = 10 * time.Second
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 250 * time.Millisecond
	}
	if cfg.MetricsEvery <= 0 {
		cfg.MetricsEvery = 250 * time.Millisecond
	}
	if cfg.Registerer == nil {
		cfg.Registerer = prometheus.NewRegistry()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	js, err := jetstream.New(cfg.Conn)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Worker{cfg: cfg, js: js, m: m, log: cfg.Logger.With("component", "queue-worker"), fns: map[provider.Ref]*fnWorker{}}, nil
}

// ConsumerName is a function's durable consumer: <name>_<namespace>.
func ConsumerName(ref provider.Ref) string { return ref.Name + "_" + ref.Namespace }

// Add creates (or finds) the function's durable consumer and consumes it
// until ctx ends. Adding a function twice does nothing.
func (w *Worker) Add(ctx context.Context, ref provider.Ref) error {
	w.adding.Lock()
	defer w.adding.Unlock()
	w.mu.Lock()
	_, dup := w.fns[ref]
	w.mu.Unlock()
	if dup {
		return nil
	}
	cons, err := w.js.CreateOrUpdateConsumer(ctx, w.cfg.Queue.Stream, jetstream.ConsumerConfig{
		Durable:       ConsumerName(ref),
		FilterSubject: jsource.SubjectFor(w.cfg.Queue.Subject, ref),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       w.cfg.AckWait,
		MaxAckPending: 100000,
		MaxDeliver:    -1,
	})
	if err != nil {
		return fmt.Errorf("consumer for %s: %w", ref, err)
	}
	f := &fnWorker{ref: ref, cons: cons}
	w.mu.Lock()
	w.fns[ref] = f
	w.mu.Unlock()
	go w.consume(ctx, f)
	go w.export(ctx, f)
	return nil
}

// consume fetches as many messages as the free slots allow and runs each.
func (w *Worker) consume(ctx context.Context, f *fnWorker) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		f.mu.Lock()
		free := w.cfg.Ready(f.ref)*w.cfg.MaxInflight - f.running
		if f.paused {
			free = 0
		}
		f.mu.Unlock()
		if free <= 0 {
			_ = clock.Sleep(ctx, clock.Real(), 20*time.Millisecond)
			continue
		}
		batch, err := f.cons.FetchNoWait(free)
		if err != nil {
			w.log.Debug("fetch failed", "function", f.ref.String(), "err", err)
			_ = clock.Sleep(ctx, clock.Real(), 100*time.Millisecond)
			continue
		}
		got := 0
		for m := range batch.Messages() {
			got++
			f.mu.Lock()
			f.running++
			f.mu.Unlock()
			wg.Go(func() { w.run(ctx, f, m) })
		}
		if got == 0 {
			_ = clock.Sleep(ctx, clock.Real(), 20*time.Millisecond)
		}
	}
}

// run calls the function with one message; success is acknowledged (and the
// acknowledgement confirmed by the server, so a message counted as done is
// gone from the stream), anything else is redelivered after Retry.
func (w *Worker) run(ctx context.Context, f *fnWorker, m jetstream.Msg) {
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()
	name := f.ref.String()
	status := w.cfg.Invoker.Invoke(ctx, f.ref, header(m), m.Data())
	if status < 200 || status > 299 {
		w.m.retried.WithLabelValues(name).Inc()
		_ = m.NakWithDelay(w.cfg.Retry)
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := m.DoubleAck(actx); err != nil {
		// The server will redeliver after AckWait: at least once.
		w.m.ackFailed.WithLabelValues(name).Inc()
		w.log.Warn("ack failed; the message will be redelivered", "function", name, "call_id", m.Headers().Get(HeaderCallID), "err", err)
		return
	}
	w.m.processed.WithLabelValues(name).Inc()
}

// export refreshes the function's backlog gauges from its consumer. When the
// consumer cannot be read the series are dropped: missing, not zero.
//
// Pending is the consumer's undelivered messages (num_pending), as the
// JetStream queue-worker documents it ("messages waiting to be processed")
// and as OpenFaaS's queue rule reads it: the same number on every worker
// replica, so averaging it over replicas keeps it whole. In flight is this
// replica's own running calls, so summing it over replicas counts each once,
// and avg(pending) + sum(in flight) is the backlog. num_ack_pending is not
// added: it holds every replica's running calls, which the sum of in flight
// already counts, and a replica cannot tell the others' apart (subtracting
// only its own overcounted by the others' running, (r−1)·k for r replicas
// running k each).
//
// What this leaves out: messages delivered and not running, which are those
// waiting for a redelivery after a failed call (Retry, NakWithDelay) and
// those held by a replica that died (until AckWait). JetStream keeps them in
// num_ack_pending, not num_pending, so neither gauge has them; the JetStream
// source (metricsource/jetstream), which reads num_pending + num_ack_pending,
// does.
func (w *Worker) export(ctx context.Context, f *fnWorker) {
	name := f.ref.String()
	t := time.NewTicker(w.cfg.MetricsEvery)
	defer t.Stop()
	for {
		ictx, cancel := context.WithTimeout(ctx, 2*time.Second)
		info, err := f.cons.Info(ictx)
		cancel()
		f.mu.Lock()
		running := f.running
		f.mu.Unlock()
		if err != nil {
			w.m.pending.DeleteLabelValues(w.cfg.Queue.Stream, name)
			w.m.inflight.DeleteLabelValues(name)
		} else {
			w.m.pending.WithLabelValues(w.cfg.Queue.Stream, name).Set(float64(info.NumPending))
			w.m.inflight.WithLabelValues(name).Set(float64(running))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pause stops (or resumes) taking the function's messages, as a worker
// whose slots are all busy: its backlog waits in the stream, unstarted.
func (w *Worker) Pause(ref provider.Ref, paused bool) {
	w.mu.Lock()
	f, ok := w.fns[ref]
	w.mu.Unlock()
	if ok {
		f.mu.Lock()
		f.paused = paused
		f.mu.Unlock()
	}
}

// Backlog is the function's unacknowledged messages now (waiting plus
// running), read from its consumer.
func (w *Worker) Backlog(ctx context.Context, ref provider.Ref) (int, error) {
	w.mu.Lock()
	f, ok := w.fns[ref]
	w.mu.Unlock()
	if !ok {
		return 0, fmt.Errorf("%s: not consumed", ref)
	}
	info, err := f.cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return int(info.NumPending) + info.NumAckPending, nil
}

// Processed is how many of the function's messages were run and
// acknowledged (queue_worker_messages_processed_total).
func (w *Worker) Processed(ref provider.Ref) float64 {
	return testutil.ToFloat64(w.m.processed.WithLabelValues(ref.String()))
}

type metrics struct {
	pending   *prometheus.GaugeVec
	inflight  *prometheus.GaugeVec
	processed *prometheus.CounterVec
	retried   *prometheus.CounterVec
	ackFailed *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "queue_worker_pending_messages", Help: "Messages waiting to be processed, per function.",
		}, []string{"queue_name", "function_name"}),
		inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "queue_worker_function_invocation_inflight", Help: "Messages being processed now, per function.",
		}, []string{"function_name"}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "queue_worker_messages_processed_total", Help: "Messages processed and acknowledged, per function.",
		}, []string{"function_name"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "queue_worker_messages_retried_total", Help: "Calls that failed and were put back for redelivery, per function.",
		}, []string{"function_name"}),
		ackFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "queue_worker_ack_failed_total", Help: "Acknowledgements that failed (the message is redelivered), per function.",
		}, []string{"function_name"}),
	}
	for _, c := range []prometheus.Collector{m.pending, m.inflight, m.processed, m.retried, m.ackFailed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("queueworker metrics: %w", err)
		}
	}
	return m, nil
}
