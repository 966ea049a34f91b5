package jetstream_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/jetstream"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestQueuedUnderContinuousChurn: consumers are created and deleted between
// every two pages of every listing (functions deployed and removed in a
// wave, on a stream of a thousand consumers). Asking the whole listing again
// each time it changed failed every read after three listings ("the
// consumers changed during each of 3 listings"), so a deploy wave left every
// queued function unscaled. The names sort, so a page that starts at or
// before the last name read continues the listing wherever the offsets
// moved: every consumer that exists through the whole read is counted once.
func TestQueuedUnderContinuousChurn(t *testing.T) {
	s := newStack(t)
	const n = 800 // four pages of 256 (255 new after the first)
	for i := range n {
		r := ref(fmt.Sprintf("fn%03d", i))
		s.consumer(t, queueworker.ConsumerName(r), jetstream.SubjectFor(jetstream.DefaultSubject, r))
	}
	// Consumers that come and go, sorting before every fnNNN (shifting the
	// pages after them) and after (not shifting).
	var early []provider.Ref
	for i := range 40 {
		r := ref(fmt.Sprintf("aa%03d", i))
		early = append(early, r)
		s.consumer(t, queueworker.ConsumerName(r), jetstream.SubjectFor(jetstream.DefaultSubject, r))
	}
	for i := range n { // one message each: every function read with its backlog
		s.publish(t, ref(fmt.Sprintf("fn%03d", i)), 1)
	}
	src := newSource(t, s.srv.URL())
	step, created := 0, 0
	src.SetAfterPage(func(int) {
		step++
		switch step % 3 {
		case 0: // two deleted before: the rest shift left past the page asked from one before
			for range 2 {
				if len(early) == 0 {
					return
				}
				if err := s.js.DeleteConsumer(context.Background(), jetstream.DefaultStream, queueworker.ConsumerName(early[0])); err != nil {
					t.Error(err)
				}
				early = early[1:]
			}
		case 1: // one created before: the rest shift right
			r := ref(fmt.Sprintf("ab%03d", created))
			created++
			s.consumer(t, queueworker.ConsumerName(r), jetstream.SubjectFor(jetstream.DefaultSubject, r))
		case 2: // one deleted before and one created after: the same total, shifted
			if len(early) > 0 {
				if err := s.js.DeleteConsumer(context.Background(), jetstream.DefaultStream, queueworker.ConsumerName(early[0])); err != nil {
					t.Error(err)
				}
				early = early[1:]
			}
			r := ref(fmt.Sprintf("zz%03d", created))
			created++
			s.consumer(t, queueworker.ConsumerName(r), jetstream.SubjectFor(jetstream.DefaultSubject, r))
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60e9)
	defer cancel()
	for read := range 6 {
		before := step
		got, err := src.Queued(ctx)
		if err != nil {
			t.Fatalf("read %d, %d changes to the consumers during it: %v", read, step-before, err)
		}
		if step-before < 3 {
			t.Fatalf("control: read %d saw %d changes, want one after each page", read, step-before)
		}
		for i := range n {
			r := ref(fmt.Sprintf("fn%03d", i))
			if _, ok := got[r]; !ok {
				t.Fatalf("read %d: %s absent though its consumer existed through the read", read, r)
			}
		}
		if read < 3 {
			continue // the publishes reach the consumers a little after their acks
		}
		for i := range n {
			r := ref(fmt.Sprintf("fn%03d", i))
			if got[r] != 1 {
				t.Errorf("read %d: %s = %v queued, want 1 (counted once)", read, r, got[r])
			}
		}
	}
}
