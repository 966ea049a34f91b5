package queueworker_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestPublishSameCallIDTwoRequests: the OpenFaaS gateway keeps an X-Call-Id
// the caller sends (MakeCallIDMiddleware only makes one when it is absent),
// so a function that fans out asynchronous calls forwarding its own headers
// sends several distinct requests with one call id. The simulated gateway
// passes that id to PublishAsync, which uses it as the JetStream message id
// (Nats-Msg-Id): JetStream takes every request after the first as a
// duplicate within its 2-minute window and drops it, while PublishAsync
// returns success (the gateway answers 202). Two requests, to two
// different functions, are accepted; one is stored.
// Found by a review helper; the message id is now new for every request.
func TestPublishSameCallIDTwoRequests(t *testing.T) {
	nc, pub, ctx := startQueue(t)
	b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
	c := provider.Ref{Name: "c", Namespace: "openfaas-fn"}
	for _, r := range []provider.Ref{b, c} {
		id, err := pub.PublishAsync(ctx, r, gatewaysim.AsyncRequest{CallID: "chain-1", Body: []byte("to " + r.Name)})
		if err != nil {
			t.Fatalf("publish to %s: %v", r, err)
		}
		if id != "chain-1" {
			t.Fatalf("publish to %s: call id %q", r, id)
		}
	}
	js, _ := jetstream.New(nc)
	s, err := js.Stream(context.Background(), "faas-request")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("stream holds %d message(s) after two accepted requests (to %s and %s, one caller call id); want 2: the other was dropped as a duplicate and will never run",
			info.State.Msgs, b, c)
	}
}
