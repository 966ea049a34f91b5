package sim

import (
	"container/heap"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// idleReplay is a function with one ready replica of room enough for every
// request the tests start, and no arrivals, wakes or starting replicas: its
// until only ends running requests.
func idleReplay() *replay {
	return &replay{info: FunctionInfo{Concurrency: 1 << 20}, ready: 1, end: never, tA: never, wake: never}
}

// TestARequestStartingAndEndingAllocatesNothing: every request of a replay
// goes through the running requests' heap once in and once out (2M of them
// in the Azure day). Through container/heap each push and pop boxed the
// 32-byte running struct in an interface, two allocations per request,
// which made the fixed-10m baseline's replay ~10 % slower when the struct
// grew. Once the heap has grown, starting and ending a request must
// allocate nothing.
func TestARequestStartingAndEndingAllocatesNothing(t *testing.T) {
	r := idleReplay()
	// Grow the heap (and the histogram) first: append's growth is amortised,
	// not per request.
	for range 64 {
		r.startReq(request{arrival: r.now, exec: time.Second}, 0)
	}
	r.until(r.now + 2*time.Second)
	// A hundred requests a run: AllocsPerRun rounds down to whole
	// allocations a run, which would hide one allocation every few requests.
	allocs := testing.AllocsPerRun(10, func() {
		for range 100 {
			r.startReq(request{arrival: r.now, exec: time.Second}, 0)
			r.until(r.now + 2*time.Second)
		}
	})
	if allocs != 0 {
		t.Errorf("starting and ending 100 requests allocates %v times; want 0", allocs)
	}
}

// refHeap is the running requests' heap as it was, through container/heap:
// the order the replay's results were pinned with.
type refHeap []running

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].end < h[j].end }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)        { *h = append(*h, x.(running)) }
func (h *refHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// TestRunningRequestsKeepContainerHeapOrder: requests ending at one instant
// (same start and execution time: bursts, the default execution time) are
// ordered only by the heap's layout, and the layout decides which slot and
// drain mark a completion hands on, and which requests drain picks on a
// tie. A heap other than container/heap's sift-up and sift-down changes
// results without changing any rule, so the replay's heap must keep the
// exact layout container/heap gives, after every start and end.
func TestRunningRequestsKeepContainerHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 7))
	r := idleReplay()
	var ref refHeap
	for step := range 20000 {
		if rng.IntN(3) > 0 {
			// Few distinct execution times, so many requests end together.
			exec := time.Duration(1+rng.IntN(4)) * time.Second
			slot := uint64(rng.IntN(1000))
			r.startReq(request{arrival: r.now, exec: exec}, slot)
			heap.Push(&ref, running{end: r.now + exec, start: r.now, slot: uint32(slot)})
		} else {
			t1 := r.now + time.Duration(rng.IntN(3))*time.Second
			r.until(t1)
			for len(ref) > 0 && ref[0].end < t1 {
				heap.Pop(&ref)
			}
		}
		if !slices.Equal([]running(r.done), []running(ref)) {
			t.Fatalf("step %d: running requests laid out as\n%+v\nwant (container/heap)\n%+v", step, r.done, ref)
		}
	}
}
