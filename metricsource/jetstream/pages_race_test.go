package jetstream_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestQueuedConsumersChangingBetweenPages: the server lists consumers by
// name, 256 a page, and the next page is asked by offset. A consumer
// deleted between two pages (a function removed while its queue is read)
// shifts the rest left by one, and the first consumer of the next page
// fell in the gap: fn256, with a message waiting, was read as absent,
// which the idler takes as no queue.
//   - deleted: the listing is asked again when the total the pages report
//     changes. Seen failing before that check: "fn256 absent from a
//     listing during which fn000 was deleted, want 1 queued (got 298
//     functions)".
//   - swapped: one consumer deleted and another created (churn on
//     thousands of functions, consumers expiring and coming back) leaves
//     the total as it was. Seen failing before: "fn256 absent from a
//     listing during which fn000 was deleted and fn999 created, want 1
//     queued (got 300 functions, fn256 present false = 0)".
//
// Each page after the first is placed by the last name read now, not by the
// total (TestQueuedUnderContinuousChurn); fn000, read on the first page while
// it existed, may be in the answer (its function is gone from the listing
// the scaler acts on, so nothing reads it).
func TestQueuedConsumersChangingBetweenPages(t *testing.T) {
	for _, tc := range []struct {
		name    string
		created *provider.Ref // also created between the pages
	}{
		{"deleted", nil},
		{"swapped", func() *provider.Ref { r := ref("fn999"); return &r }()}, // sorts after every other
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t)
			const n = 300
			for i := range n {
				r := ref(fmt.Sprintf("fn%03d", i))
				s.consumer(t, queueworker.ConsumerName(r), jetstream.SubjectFor(jetstream.DefaultSubject, r))
			}
			s.publish(t, ref("fn256"), 1)
			src := newSource(t, s.srv.URL())
			changed := false
			src.SetAfterPage(func(next int) {
				if next != 256 || changed {
					return
				}
				changed = true
				if err := s.js.DeleteConsumer(context.Background(), jetstream.DefaultStream, queueworker.ConsumerName(ref("fn000"))); err != nil {
					t.Error(err)
				}
				if tc.created != nil {
					s.consumer(t, queueworker.ConsumerName(*tc.created), jetstream.SubjectFor(jetstream.DefaultSubject, *tc.created))
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30e9)
			defer cancel()
			var got metricsource.Values
			var err error
			for range 50 { // the publish reaches the consumer a little after its ack
				if got, err = src.Queued(ctx); err != nil {
					t.Fatal(err)
				}
				if _, ok := got[ref("fn256")]; !ok || got[ref("fn256")] == 1 {
					break
				}
			}
			if !changed {
				t.Fatal("control: the consumers did not change between pages")
			}
			if v, ok := got[ref("fn256")]; !ok || v != 1 {
				t.Errorf("fn256 absent from a listing during which fn000 was deleted (%s), want 1 queued (got %d functions, fn256 present %v = %v)",
					tc.name, len(got), ok, v)
			}
			if tc.created != nil {
				if _, ok := got[*tc.created]; !ok {
					t.Errorf("%s absent from a listing asked again after its creation", tc.created)
				}
			}
		})
	}
}
