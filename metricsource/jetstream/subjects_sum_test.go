package jetstream_test

import (
	"context"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
)

// TestBareAndQualifiedSubjectsAdd: refOf maps both <subject>.<name>
// and <subject>.<name>.<namespace> (the default one) to the same function.
// Those two literal filters select disjoint messages (a literal filter
// matches only its own subject), so the function's backlog is the sum of
// the two consumers' backlogs. add keeps the larger one, as if the two
// consumers saw the same messages, and under-counts: 3 + 2 messages
// waiting read as 3.
func TestBareAndQualifiedSubjectsAdd(t *testing.T) {
	s := newStack(t)
	a := ref("a")
	bare := jetstream.DefaultSubject + "." + a.Name // faas-request.a
	s.consumer(t, "a_bare", bare)
	s.consumer(t, queueworker.ConsumerName(a), jetstream.SubjectFor(jetstream.DefaultSubject, a))
	ctx := context.Background()
	for range 3 {
		if _, err := s.js.Publish(ctx, bare, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	s.publish(t, a, 2) // faas-request.a.openfaas-fn

	// Both consumers are the same function's, each with its own messages:
	// 5 messages of a wait, none counted twice.
	assertQueued(t, newSource(t, s.srv.URL()), metricsource.Values{a: 5})
}
