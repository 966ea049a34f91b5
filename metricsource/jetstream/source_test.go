package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// stack is a real nats-server with OpenFaaS's work-queue stream.
type stack struct {
	srv *teststack.NATS
	nc  *nats.Conn
	js  natsjs.JetStream
	pub *queueworker.Publisher
}

func newStack(t testing.TB) *stack {
	t.Helper()
	srv := teststack.StartNATS(t)
	nc, err := nats.Connect(srv.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := queueworker.EnsureStream(ctx, js, queueworker.Queue{}); err != nil {
		t.Fatal(err)
	}
	pub, err := queueworker.NewPublisher(nc, queueworker.Queue{})
	if err != nil {
		t.Fatal(err)
	}
	return &stack{srv: srv, nc: nc, js: js, pub: pub}
}

// consumer creates a durable pull consumer filtering filter.
func (s *stack) consumer(t testing.TB, name, filter string) natsjs.Consumer {
	t.Helper()
	c, err := s.js.CreateOrUpdateConsumer(context.Background(), jetstream.DefaultStream, natsjs.ConsumerConfig{
		Durable: name, FilterSubject: filter, AckPolicy: natsjs.AckExplicitPolicy, AckWait: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *stack) publish(t testing.TB, ref provider.Ref, n int) {
	t.Helper()
	for range n {
		if _, err := s.pub.PublishAsync(context.Background(), ref, gatewayReq()); err != nil {
			t.Fatal(err)
		}
	}
}

// newSource reads url with the default timeout (5s): generous, because a
// loaded CI machine (tool builds beside the tests) can stall a JetStream API
// answer for a second or more; the test of a server that is down bounds its
// own call instead.
func newSource(t testing.TB, url string) *jetstream.Source {
	t.Helper()
	cfg := jetstream.DefaultConfig()
	cfg.URL = url
	src, err := jetstream.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	return src
}

func ref(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }

// TestQueued: waiting and delivered-but-unacknowledged messages both count;
// an acknowledged one does not; a function with a consumer and no message is
// 0; one without a consumer, and a consumer of a wildcard, are absent.
func TestQueued(t *testing.T) {
	s := newStack(t)
	a, b := ref("a"), ref("b")
	ca := s.consumer(t, queueworker.ConsumerName(a), jetstream.SubjectFor(jetstream.DefaultSubject, a))
	s.consumer(t, queueworker.ConsumerName(b), jetstream.SubjectFor(jetstream.DefaultSubject, b))
	s.consumer(t, "wildcard", jetstream.DefaultSubject+".*.other-ns") // a whole namespace: not one function
	s.publish(t, a, 3)
	s.publish(t, ref("noconsumer"), 2)
	src := newSource(t, s.srv.URL())
	ctx := context.Background()

	want := metricsource.Values{a: 3, b: 0}
	assertQueued(t, src, want)

	// Delivered, not acknowledged: still work not done.
	batch, err := ca.Fetch(1, natsjs.FetchMaxWait(5*time.Second)) // returns as soon as the message is there
	if err != nil {
		t.Fatal(err)
	}
	var msg natsjs.Msg
	for m := range batch.Messages() {
		msg = m
	}
	if msg == nil {
		t.Fatal("no message fetched")
	}
	assertQueued(t, src, want)
	if err := msg.DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	want[a] = 2
	assertQueued(t, src, want)
}

// assertQueued waits (up to 10s) until Queued answers want. JetStream sends a
// publish's acknowledgement before it signals the stream's consumers (a
// separate goroutine in nats-server), so a read right after a publish can
// miss it: under load, 58 of 1,500 publish-then-read pairs read one behind.
// The source reports what the server says; the test waits for the server.
// A property that does not hold shows as a read that never gets there.
func assertQueued(t *testing.T, src *jetstream.Source, want metricsource.Values) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := src.Queued(context.Background())
		if err == nil && fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Queued = %v, %v; want %v (waited 10s)", got, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestQueuedPages: more consumers than one page of the consumer list (256).
func TestQueuedPages(t *testing.T) {
	s := newStack(t)
	const n = 300
	for i := range n {
		r := ref(fmt.Sprintf("fn%03d", i))
		s.consumer(t, queueworker.ConsumerName(r), jetstream.SubjectFor(jetstream.DefaultSubject, r))
	}
	s.publish(t, ref("fn299"), 1)
	want := metricsource.Values{}
	for i := range n {
		want[ref(fmt.Sprintf("fn%03d", i))] = 0
	}
	want[ref("fn299")] = 1
	assertQueued(t, newSource(t, s.srv.URL()), want)
}

// TestQueuedMissing: a missing stream and a stopped server are errors, never
// an empty answer; the source recovers when the server is back.
func TestQueuedMissing(t *testing.T) {
	s := newStack(t)
	a := ref("a")
	s.consumer(t, queueworker.ConsumerName(a), jetstream.SubjectFor(jetstream.DefaultSubject, a))
	s.publish(t, a, 2)

	cfg := jetstream.DefaultConfig()
	cfg.URL, cfg.Stream = s.srv.URL(), "no-such-stream"
	other, err := jetstream.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if got, err := other.Queued(context.Background()); err == nil || !strings.Contains(err.Error(), "stream not found") {
		t.Fatalf("missing stream: got %v, %v; want a stream-not-found error", got, err)
	}

	src := newSource(t, s.srv.URL())
	assertQueued(t, src, metricsource.Values{a: 2})
	s.srv.Stop()
	down, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if got, err := src.Queued(down); err == nil {
		t.Fatalf("server down: got %v, want an error", got)
	}
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := src.Queued(context.Background())
		if err == nil {
			if got[a] != 2 {
				t.Fatalf("after restart: %v, want a=2 (file storage keeps the messages)", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery 10s after restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestConfigValidate: each bad setting is named.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*jetstream.Config)
		want string
	}{
		{func(c *jetstream.Config) { c.URL = "" }, "nats url is required"},
		{func(c *jetstream.Config) { c.URL = "http://x:4222" }, `nats url "http://x:4222": want nats://host:port`},
		{func(c *jetstream.Config) { c.Stream = "faas.request" }, `nats stream "faas.request"`},
		{func(c *jetstream.Config) { c.Subject = "faas-request.>" }, `nats subject "faas-request.>"`},
		{func(c *jetstream.Config) { c.Subject = "a..b" }, `nats subject "a..b"`},
		{func(c *jetstream.Config) { c.Timeout = 0 }, "nats timeout must be > 0"},
	} {
		c := jetstream.DefaultConfig()
		c.URL = "nats://127.0.0.1:4222"
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	c := jetstream.DefaultConfig()
	c.URL = "nats://a:4222, nats://b:4222"
	if err := c.Validate(); err != nil {
		t.Errorf("two urls: %v", err)
	}
	if _, err := jetstream.New(jetstream.Config{}); err == nil || !errors.Is(err, err) {
		t.Error("New with an empty config: want an error")
	}
}

// BenchmarkQueued1000: one read of 1,000 functions' consumers (4 pages).
func BenchmarkQueued1000(b *testing.B) {
	s := newStack(b)
	for i := range 1000 {
		r := ref(fmt.Sprintf("fn%04d", i))
		s.consumer(b, queueworker.ConsumerName(r), jetstream.SubjectFor(jetstream.DefaultSubject, r))
	}
	src := newSource(b, s.srv.URL())
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := src.Queued(ctx)
		if err != nil || len(got) != 1000 {
			b.Fatalf("got %d, %v", len(got), err)
		}
	}
}

func gatewayReq() gatewaysim.AsyncRequest { return gatewaysim.AsyncRequest{Body: []byte("x")} }
