package jetstream_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// TestQueuedDownNoReplay: reads made while the server is down fail, and are
// not kept to be sent when the client reconnects. nats.go keeps what is
// published while reconnecting in an 8 MB buffer (ReconnectBufSize, default
// 8388608, "disabled by setting it to -1") and flushes it on reconnect, so
// each failed read's consumer-list request would reach the recovering
// server late, its answer going nowhere: after a long outage a burst of
// hundreds of stale requests (on a cluster, each a scatter to every
// consumer's leader). Counted with the server's JetStream API total (/jsz).
func TestQueuedDownNoReplay(t *testing.T) {
	s := newStack(t)
	a := ref("a")
	s.consumer(t, queueworker.ConsumerName(a), jetstream.SubjectFor(jetstream.DefaultSubject, a))
	src := newSource(t, s.srv.URL())
	assertQueued(t, src, metricsource.Values{a: 0})

	s.srv.Stop()
	const reads = 20
	for range reads {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		got, err := src.Queued(ctx)
		cancel()
		if err == nil {
			t.Fatalf("server down: Queued = %v, nil; want an error", got)
		}
	}
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	assertQueued(t, src, metricsource.Values{a: 0}) // reconnected: at least one request
	time.Sleep(200 * time.Millisecond)              // let the server count what it got

	var jsz struct {
		API struct {
			Total uint64 `json:"total"`
		} `json:"api"`
	}
	resp, err := http.Get(s.srv.MonitorURL() + "/jsz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&jsz); err != nil {
		t.Fatal(err)
	}
	// The reads after the restart that assertQueued needed: a few at most.
	if jsz.API.Total >= reads {
		t.Errorf("JetStream API requests since the restart = %d; the %d reads made while the server was down were replayed on reconnect",
			jsz.API.Total, reads)
	}
}

// TestQueuedServerDownAtStart: a source made while the server is down
// (no reconnect buffer) fails its reads, then connects when the server is up.
func TestQueuedServerDownAtStart(t *testing.T) {
	s := newStack(t)
	a := ref("a")
	s.consumer(t, queueworker.ConsumerName(a), jetstream.SubjectFor(jetstream.DefaultSubject, a))
	s.publish(t, a, 1)
	s.srv.Stop()
	src := newSource(t, s.srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if got, err := src.Queued(ctx); err == nil {
		t.Fatalf("server down: Queued = %v, nil; want an error", got)
	}
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	assertQueued(t, src, metricsource.Values{a: 1})
}
