package jetstream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// TestReview51FDownReadSaysUnavailable: New's doc says that while the
// server is down "Queued reports ErrUnavailable until it is back". It does
// not wrap ErrUnavailable, and the error it gives is nats.go's
// ErrReconnectBufExceeded: the source sets ReconnectBufSize(-1), so every
// publish while (re)connecting fails with "nats: outbound buffer limit
// exceeded". That is what the idler logs as its reason for idling nothing
// ("activity query failed: ... queue: list consumers of stream
// faas-request: nats: outbound buffer limit exceeded") and what the scaler
// logs for a queue function it holds: an operator is sent to look for a
// buffer setting, not at a NATS that is down. Expected: ErrUnavailable,
// with words that say the server is not connected.
// Cause: source.go Queued (RequestWithContext's error passed through
// requestErr unchanged) and New's nats.ReconnectBufSize(-1).
func TestReview51FDownReadSaysUnavailable(t *testing.T) {
	s := newStack(t)
	s.srv.Stop()
	src := newSource(t, s.srv.URL()) // RetryOnFailedConnect: reconnecting from the start
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	got, err := src.Queued(ctx)
	if err == nil {
		t.Fatalf("server down: Queued = %v, nil; want an error", got)
	}
	if !errors.Is(err, metricsource.ErrUnavailable) {
		t.Errorf("server down: error %q does not wrap metricsource.ErrUnavailable, as New's doc says it does", err)
	}
	if strings.Contains(err.Error(), "outbound buffer limit exceeded") {
		t.Errorf("server down: error %q blames a buffer limit, not the server being unreachable", err)
	}
}

// plainNATS is a nats-server without JetStream: the test answers the
// JetStream API itself, as a clustered server would.
func plainNATS(t *testing.T) string {
	t.Helper()
	bin := teststack.NeedNATSServer(t)
	client, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	mon, err := teststack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	n := startNATSNode(t, bin, t.TempDir(), fmt.Sprintf("listen: %q\nhttp: %q\n", client, mon), "plain")
	if err := teststack.WaitOK("http://"+mon+"/healthz", 30*time.Second, n.done); err != nil {
		t.Fatal(err)
	}
	return "nats://" + client
}

type fakeConsumer struct {
	Name   string `json:"name"`
	Config struct {
		FilterSubject string `json:"filter_subject"`
	} `json:"config"`
	NumPending    uint64 `json:"num_pending"`
	NumAckPending uint64 `json:"num_ack_pending"`
}

// clusteredList answers $JS.API.CONSUMER.LIST.<stream> as nats-server
// v2.15.2's jsClusteredConsumerListRequest does: sorted by name, 256 a page
// from the offset; an offset at or past the end answers an empty page
// WITHOUT its total (resp.Total is set only after the early return).
type clusteredList struct {
	mu       sync.Mutex
	names    []string // sorted
	requests int
	after    func(req int, l *clusteredList) // after answering request req (from 1)
}

func (l *clusteredList) serve(t *testing.T, url, stream string) {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	_, err = nc.Subscribe("$JS.API.CONSUMER.LIST."+stream, func(m *nats.Msg) {
		var req struct {
			Offset int `json:"offset"`
		}
		_ = json.Unmarshal(m.Data, &req)
		l.mu.Lock()
		l.requests++
		n := l.requests
		ocnt := len(l.names)
		off := min(max(req.Offset, 0), ocnt)
		resp := map[string]any{"type": "io.nats.jetstream.api.v1.consumer_list_response", "limit": 256, "offset": off, "total": 0}
		cs := []fakeConsumer{}
		for _, name := range l.names[off:min(off+256, ocnt)] {
			c := fakeConsumer{Name: name}
			c.Config.FilterSubject = jetstream.DefaultSubject + "." + name + ".openfaas-fn"
			c.NumPending = 1
			cs = append(cs, c)
		}
		if len(cs) > 0 {
			resp["total"] = ocnt
		}
		resp["consumers"] = cs
		l.mu.Unlock()
		b, _ := json.Marshal(resp)
		_ = m.Respond(b)
		if l.after != nil {
			l.after(n, l)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestReview51FClusterEmptyPageAfterDeletes: on a JetStream cluster, a
// consumer-list page asked from an offset at or past the end (consumers
// deleted since the previous page: a deploy wave removing functions) is
// answered with no consumers and NO total: nats-server v2.15.2
// jsClusteredConsumerListRequest (jetstream_cluster.go, the
// `len(consumers) == 0` early return) sets only Limit and Offset, so
// "total" reads 0. Queued computes its bound on the requests of one read
// from that page's Total (source.go, `limit := 3*(page.Total/pageSize+1) +
// 8`), i.e. 11, so a read of more than ~2,900 functions that meets such a
// page after its 11th request fails: "the consumers kept changing during
// the read (14 pages asked for 0 consumers)", though 100 deletions out of
// 3,400 need only one step back. The whole queue is then unknown for the
// pass (scaler holds every queue function, idler idles nothing), and the
// message says 0 consumers. Expected: the read goes back and answers the
// 3,300 functions left, each with its 1 message. (The responder below
// answers exactly as the clustered server does; a single server sets the
// total on every page.)
func TestReview51FClusterEmptyPageAfterDeletes(t *testing.T) {
	url := plainNATS(t)
	l := &clusteredList{}
	const n = 3400
	for i := range n {
		l.names = append(l.names, fmt.Sprintf("fn%04d", i))
	}
	l.after = func(req int, l *clusteredList) {
		if req == 13 { // after the 13th page (pos 3316): 100 functions removed
			l.mu.Lock()
			l.names = l.names[:n-100]
			l.mu.Unlock()
		}
	}
	l.serve(t, url, jetstream.DefaultStream)
	src := newSource(t, url)
	got, err := src.Queued(context.Background())
	l.mu.Lock()
	reqs := l.requests
	l.mu.Unlock()
	if err != nil {
		t.Fatalf("3,400 consumers, 100 deleted after the 13th page: the read failed after %d requests: %v; want the 3,300 left", reqs, err)
	}
	if len(got) != n-100 {
		t.Fatalf("got %d functions, want %d", len(got), n-100)
	}
	for i := range n - 100 {
		if r := ref(fmt.Sprintf("fn%04d", i)); got[r] != 1 {
			t.Fatalf("%s = %v, want 1", r, got[r])
		}
	}
}

// TestReview51FPinRedeliveryCounted (pin): a message whose call failed
// (NakWithDelay: waiting for its redelivery) and one whose worker died
// (AckWait expired, queued for redelivery) are in neither num_pending nor
// the queue worker's in-flight count, only in num_ack_pending: the source
// must still count both, or a function at zero with only retries left
// would never be woken for them.
func TestReview51FPinRedeliveryCounted(t *testing.T) {
	s := newStack(t)
	a := ref("a")
	c, err := s.js.CreateOrUpdateConsumer(context.Background(), jetstream.DefaultStream, natsjs.ConsumerConfig{
		Durable: queueworker.ConsumerName(a), FilterSubject: jetstream.SubjectFor(jetstream.DefaultSubject, a),
		AckPolicy: natsjs.AckExplicitPolicy, AckWait: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.publish(t, a, 2)
	src := newSource(t, s.srv.URL())
	assertQueued(t, src, metricsource.Values{a: 2})
	batch, err := c.Fetch(2, natsjs.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var ms []natsjs.Msg
	for m := range batch.Messages() {
		ms = append(ms, m)
	}
	if len(ms) != 2 {
		t.Fatalf("fetched %d, want 2", len(ms))
	}
	if err := ms[0].NakWithDelay(time.Minute); err != nil { // failed call, retried in a minute
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // ms[1]'s AckWait expires: its worker is gone
	assertQueued(t, src, metricsource.Values{a: 2})
}
