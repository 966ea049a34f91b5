package prometheus

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// activityForMany is ActivityFor for functions too many to name in one
// query (narrowTo). It reads every function's series at once, as Activity
// does, until such a read of this window times out on the source's own
// deadline: from then on the window is read in narrowed chunks, two at a
// time, each within the timeout. At 10,000 functions a whole read
// took 5.5 s at 1 h and 10.2 s at 4 h against the shipped 5 s timeout, so
// a window holding most of the fleet (a fleet-wide zero-duration of 1 h)
// failed every cycle and its functions were never idled. Read in chunks
// of 1,000 the same 10,000 took 5.4, 6.9 and 12.7 s at 15 m, 1 h and 4 h
// against 2.6, 5.5 and 10.2 s whole (BenchmarkActivityWindows
// activity-chunked): 1.25 to 2 times the whole read, which is why a window
// is chunked only once its whole read has failed. The first cycle of such
// a window fails, as it did.
func (s *Source) activityForMany(ctx context.Context, window time.Duration, refs []provider.Ref) (metricsource.Activity, error) {
	if s.chunked.has(window) {
		return s.activityInChunks(ctx, window, refs)
	}
	act, err := s.activity(ctx, window, allFunctions, withGateway)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil && s.chunked.add(window) {
		s.log.Info("activity read for every function timed out: this window is read in chunks of functions from now on",
			"window", window, "functions", len(refs), "chunk", s.chunk, "timeout", s.cfg.Timeout)
	}
	return act, err
}

// activityInChunks reads refs' activity over window in narrowed chunks
// (chunksOf), chunksAtOnce at a time, and merges their answers: each
// chunk's functions' parts are theirs; the queues, read whole, are read
// once, with the first chunk. Each chunk read them again, and only the
// first's were used (TestActivityInChunksReadsTheGatewayNotEachChunk).
//
// The gateway's coverage and the instances down hold for every chunk's
// counts, each chunk's queries evaluated at Prometheus' now when it runs:
// ten chunks of a 10,000 fleet's 4 h window took 12.7 s, more than a
// scrape interval, and a scrape failing (or an instance leaving
// discovery) after the first chunk's coverage read is in the later
// chunks' windows. Read with the first chunk alone, the later chunks'
// zero counts reached the idler as proven
// (TestReview52KChunkedReadSeesAScrapeFailingWhileItRuns). So they are
// read beside the first chunk and once more when the last has ended, over
// the window widened by what the read took, in whole seconds rounded up
// as the other windows are: that read spans every chunk's window
// (TestActivityInChunksCoverageSpansTheRead). Two
// queries a call, where each chunk reading them again cost two a chunk.
// The first read stays for what the later one can miss by starting late
// (its range is measured on this process' clock, its now is Prometheus').
// The answer is covered only when both reads say so, naming the instances
// down of both (gatewayCover.and).
//
// A chunk that fails fails the whole call, as a whole read's failure
// does, and at once: the chunks not started are not sent, those running
// are cancelled (each would cost Prometheus a chunk's read for an answer
// nobody uses). So does either coverage read's failure.
func (s *Source) activityInChunks(ctx context.Context, window time.Duration, refs []provider.Ref) (metricsource.Activity, error) {
	chunks := chunksOf(refs, s.cfg.DefaultNamespace, s.chunk)
	acts := make([]metricsource.Activity, len(chunks))
	start := s.now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		first gatewayCover
		wg    sync.WaitGroup
	)
	wg.Go(func() { // beside the first chunk
		var err error
		if first, err = s.readGatewayCover(ctx, window, 0); err != nil {
			cancel(fmt.Errorf("activity over %s: %w", window, err))
		}
	})
	turn := make(chan struct{}, chunksAtOnce)
	for i, chunk := range chunks {
		turn <- struct{}{}
		if ctx.Err() != nil {
			break // a chunk failed (or the caller gave up): the call has failed
		}
		wg.Go(func() {
			defer func() { <-turn }()
			g := withoutGateway
			if i == 0 {
				g = readQueues // once a call: the queues are not the chunk's
			}
			var err error
			if acts[i], err = s.activity(ctx, window, s.narrowing(chunk), g); err != nil {
				cancel(err) // the first cause stays: the chunks cancelled after it fail with it
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return metricsource.Activity{}, context.Cause(ctx)
	}
	took := max(s.now().Sub(start), 0)
	last, err := s.readGatewayCover(ctx, window, (took + time.Second - 1).Truncate(time.Second))
	if err != nil {
		return metricsource.Activity{}, fmt.Errorf("activity over %s, read again after its %d chunks: %w", window, len(chunks), err)
	}
	out := acts[0] // with the queues
	for _, act := range acts[1:] {
		out.Started = union(out.Started, act.Started)
		out.Inflight = union(out.Inflight, act.Inflight)
		out.Vanished = union(out.Vanished, act.Vanished)
		out.Woken = union(out.Woken, act.Woken)
	}
	out.Uncovered = first.and(last).uncovered()
	out.Covered = out.Uncovered == ""
	return out, nil
}

// chunksAtOnce is how many chunks are read at a time: the idler bounds a
// whole call by actuator.call_timeout (10 s by default), and one chunk of
// a 10,000 fleet's 4 h window read alone took 1.4 s. Two at a time stay
// under Prometheus' default limit of 20 concurrent queries (the first
// chunk is six, the coverage read beside it two, the others five). What
// it gains is not measured here: on this project's two-core
// machine the ten chunks took 12.7 s in all, about ten times one alone,
// the queries already using both cores; a Prometheus with more cores is
// where it can shorten the call.
const chunksAtOnce = 2

// union is a with b's entries added, a nil map while both are.
func union[V any](a, b map[provider.Ref]V) map[provider.Ref]V {
	if a == nil {
		return b
	}
	maps.Copy(a, b)
	return a
}

// chunksOf splits refs into runs of at most size functions whose names
// narrowTo takes (maxNarrowedBytes), in their order.
func chunksOf(refs []provider.Ref, defaultNamespace string, size int) [][]provider.Ref {
	var out [][]provider.Ref
	from, bytes := 0, 0
	for i, r := range refs {
		n := namesBytes(quotedNames(r, defaultNamespace))
		if i > from && (i-from == size || bytes+n > maxNarrowedBytes) {
			out = append(out, refs[from:i])
			from, bytes = i, 0
		}
		bytes += n
	}
	if from < len(refs) {
		out = append(out, refs[from:])
	}
	return out
}

// windowSet is the windows read in chunks (activityForMany). Windows come
// from labels and the keep-alive ladder, a few dozen; it is emptied if it
// ever holds maxChunkedWindows, and a window is then asked whole again.
type windowSet struct {
	mu sync.Mutex
	w  map[time.Duration]bool
}

const maxChunkedWindows = 256

func (ws *windowSet) has(w time.Duration) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.w[w]
}

// add adds w, and says whether it was new.
func (ws *windowSet) add(w time.Duration) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.w[w] {
		return false
	}
	if ws.w == nil || len(ws.w) >= maxChunkedWindows {
		ws.w = map[time.Duration]bool{}
	}
	ws.w[w] = true
	return true
}
